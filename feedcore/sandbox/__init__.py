"""The bounded Jinja2 sandbox behind contexts and conditions (FS-2.5, FS-2.6).

Config values come from a product form customers fill in, so a template is
hostile input: it must not be able to make an export take unbounded time or
memory, nor hang ``validate``. Jinja2's own sandbox stops attribute escapes but
not arithmetic, string padding or loops, so this package bounds them:

* :mod:`~feedcore.sandbox.limits` — the numbers and the per-render step budget
  (no Jinja2: cheap to import);
* :mod:`~feedcore.sandbox.checks` — the size measure, and the checks made
  *before* an operation that could grow its result without limit (operators,
  string methods, globals) and after every other;
* :mod:`~feedcore.sandbox.filters` — every filter and test wrapped so it is
  charged and checked (and never folded at compile time);
* :mod:`~feedcore.sandbox.codegen` — code generation that counts loop
  iterations, concatenations, comparisons and output;
* :mod:`~feedcore.sandbox.environment` — the environment that ties them
  together, and the renderers :mod:`feedcore.templating` hands out;
* :mod:`~feedcore.sandbox.validate` — what can be refused at validate time.

Only :mod:`feedcore.templating` imports the Jinja2 parts, and only when a
config holds a real template (constant text and ``{{ contact.NAME }}`` never
load Jinja2).
"""
