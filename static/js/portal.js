// A required field left empty. Forms are novalidate so that the server's errors read like the
// page's own; such a form is sent without the question below, whose action cannot happen yet:
// the server names the empty field.
function missingRequired(form) {
  var group = form.getAttribute("data-requires-one");
  if (group && !form.querySelector('[name="' + group + '"]:checked')) {
    return true;
  }
  return Array.prototype.some.call(form.querySelectorAll("[required]"), function (field) {
    if (field.disabled) {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return !form.querySelector('[name="' + field.name + '"]:checked');
    }
    return !String(field.value || "").trim();
  });
}

// An amount the server will refuse for sure: above the field's data-max (the claim's "at most"),
// not above zero, negative, with more than two decimals, or with no digit at all. As with an
// empty required field, the form goes without the question and the server's answer says what
// is wrong; asking "Submit this claim?" first promised an action that could not happen. What
// this reads as the server does (portal/money.py: full-width forms, "¥", grouped thousands) is
// compared with the maximum; anything else it is unsure of is left to the server, after the
// question.
function amountOutOfRange(form) {
  return Array.prototype.some.call(form.querySelectorAll("input[data-max]"), function (field) {
    if (field.disabled) {
      return false;
    }
    var typed = String(field.value || "").normalize("NFKC").replace(/\s/g, "");
    var amount = /^\u00a5?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)$/.exec(typed);
    if (!amount) {
      return /^[-\u2212]/.test(typed) || /\.\d{3,}$/.test(typed) || !/\d/.test(typed);
    }
    var cents = Math.round(parseFloat(amount[1].replace(/,/g, "")) * 100);
    return cents <= 0 || cents > Math.round(parseFloat(field.getAttribute("data-max")) * 100);
  });
}

// Confirmation before irreversible actions: any form with data-confirm asks first, once: a
// second tap while the confirmed POST is on its way is dropped without asking again (the
// listener below would drop it after the question).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (!question || missingRequired(form) || amountOutOfRange(form)) {
    return;
  }
  var sent = Number(form.getAttribute("data-sent-at") || 0);
  if (sent && Date.now() - sent < 5000) {
    event.preventDefault();
    return;
  }
  if (!window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// A form sends once: a second tap while the first POST is on its way is ignored. The server
// refuses a second submission of a creating form anyway (its submission key,
// portal/submissions.py); this spares the user the wait. After a few seconds the form sends
// again, for the POST whose answer never comes or is a download that leaves the page as it
// was. htmx sends its own forms (it has cancelled the event by the time it bubbles here).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") {
    return;
  }
  var sent = Number(form.getAttribute("data-sent-at") || 0);
  if (sent && Date.now() - sent < 5000) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent-at", String(Date.now()));
});
// Back to a page kept in the browser's memory: its forms may be sent again at once.
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    document.querySelectorAll("form[data-sent-at]").forEach(function (form) {
      form.removeAttribute("data-sent-at");
    });
  }
});

// The header menu. `js` on <html> first thing (this file loads without `defer`, in <head>),
// so that the phone layout folds the menu behind its button before the first paint; without
// JavaScript the button stays hidden and the menu stays open. Listeners sit on `document`:
// the body does not exist yet when this runs.
document.documentElement.classList.add("js");

function closeMenuGroups(except) {
  document.querySelectorAll(".nav-group details[open]").forEach(function (group) {
    if (group !== except) {
      group.open = false;
    }
  });
}

document.addEventListener("click", function (event) {
  var toggle = event.target.closest && event.target.closest(".nav-toggle");
  if (toggle) {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
    return;
  }
  // A click elsewhere closes an open menu group, as any dropdown does.
  closeMenuGroups(event.target.closest && event.target.closest(".nav-group details"));
});

// One menu group open at a time (`toggle` does not bubble: listen while capturing).
document.addEventListener("toggle", function (event) {
  var group = event.target;
  if (group.open && group.closest && group.closest(".nav-group")) {
    closeMenuGroups(group);
  }
}, true);

// Escape closes the open group and gives the focus back to its label.
document.addEventListener("keydown", function (event) {
  var group = event.key === "Escape" && document.querySelector(".nav-group details[open]");
  if (group) {
    group.open = false;
    group.querySelector("summary").focus();
  }
});

// A table wider than a phone scrolls inside its .table-wrap, a chart inside its .chart-card
// (static/css/portal.css); a keyboard user must be able to scroll them too, hence a tab stop
// on each wrap that does overflow (and only those).
function markScrollingTables() {
  document.querySelectorAll(".table-wrap, .chart-card").forEach(function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.setAttribute("tabindex", "0");
    } else {
      wrap.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
// A year's months scroll sideways on a phone: the card opens on the latest ones, where the
// figures are, not on January (it showed six empty months and no hint of the rest).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".chart-card[data-opens-at-end]").forEach(function (card) {
    card.scrollLeft = card.scrollWidth;
  });
});
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);

// An inline decision redraws its row: the focus, on a button that is gone, fell to the page's
// body, and the next Tab went to the footer, past the row's outcome. It goes to the outcome
// (the row's message: done, or why not), else to the row's first control.
var redrawnRow = null;
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  redrawnRow = target && target.id && target.contains(document.activeElement) ? target.id : null;
});
document.addEventListener("htmx:afterSettle", function () {
  var row = redrawnRow && document.getElementById(redrawnRow);
  redrawnRow = null;
  if (!row) {
    return;
  }
  var outcome = row.querySelector(".form-error, .message");
  if (outcome) {
    outcome.setAttribute("tabindex", "-1");
  } else {
    outcome = row.querySelector("a[href], button, input, select, textarea");
  }
  if (outcome) {
    outcome.focus();
  }
});

// The menu link of the page being shown says so (to screen readers as well).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".main-nav a[href]").forEach(function (link) {
    if (link.pathname === window.location.pathname && !link.hasAttribute("download")) {
      link.setAttribute("aria-current", "page");
    }
  });
});

// Choosing a published service on an order form fills the order's title and contract amount
// from it (its reference price), where the enterprise has not written its own: a field is
// replaced only while empty or still holding the previously chosen service's value.
function offeringDetails(select) {
  var source = document.getElementById(select.getAttribute("data-fills-from"));
  return source ? JSON.parse(source.textContent) : {};
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-fills-from]").forEach(function (select) {
    select.setAttribute("data-chosen", select.value);
  });
});
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select.matches && select.matches("select[data-fills-from]"))) {
    return;
  }
  var details = offeringDetails(select);
  var previous = details[select.getAttribute("data-chosen")] || {};
  var chosen = details[select.value] || {};
  [["title", "title"], ["contract_amount", "price"]].forEach(function (pair) {
    var field = select.form && select.form.elements[pair[0]];
    if (field && (field.value === "" || field.value === (previous[pair[1]] || ""))) {
      field.value = chosen[pair[1]] || "";
    }
  });
  select.setAttribute("data-chosen", select.value);
});

// A list of boxes that adds up what is ticked (one bank transfer paying several claims): the
// count and the sum in the sentence beside the button and in the question asked before
// sending, as the official unticks what the transfer did not pay. Amounts in cents, so that
// the sum is exact.
function showTicked(form) {
  var cents = 0;
  var count = 0;
  form.querySelectorAll("input[type=checkbox][data-amount]:checked").forEach(function (box) {
    cents += Math.round(parseFloat(box.getAttribute("data-amount")) * 100);
    count += 1;
  });
  var total = "\u00a5" + (cents / 100).toLocaleString("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2
  });
  function filled(text) {
    return text.replace("__COUNT__", String(count)).replace("__TOTAL__", total);
  }
  var sentence = form.querySelector("[data-ticked-total]");
  if (sentence) {
    var key = count === 0 ? "data-none" : count === 1 ? "data-one" : "data-many";
    sentence.textContent = filled(sentence.getAttribute(key));
  }
  var question = form.getAttribute("data-confirm-template");
  if (question) {
    form.setAttribute("data-confirm", filled(question));
  }
}
document.addEventListener("change", function (event) {
  var box = event.target;
  if (box.form && box.matches && box.matches("input[type=checkbox][data-amount]")) {
    showTicked(box.form);
  }
});
// Back to the page (kept in the browser's memory, or drawn again with the boxes as they
// were left): the sentence and the question follow the boxes, not the page as first served.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form [data-ticked-total]").forEach(function (sentence) {
    showTicked(sentence.closest("form"));
  });
});

// A long form sent back with mistakes: the focus goes to the summary that names them, so that
// a keyboard or screen reader starts there rather than at the top of the page.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
