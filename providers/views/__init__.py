"""Pages for providers, one module per topic: the directory and profiles (directory),
applying and certification (certification), the provider's dashboard and catalogue
(catalogue), and service orders on both sides (orders, with their delivery and disputes in
delivery and their paperwork in documents).

Views are thin: a scoped selector finds the object (404 for outsiders), a form parses the
input, one service decides, and a refusal comes back next to its field."""
