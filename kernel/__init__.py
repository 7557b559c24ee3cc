"""The kernel: what every area of gpfed builds on and which knows none of them. Money and counts
as text (formats), dates held to the years gpfed works with (dates), formula-safe CSV (exports),
checked uploads and stored documents (uploads, documents), safe header values (headers), the one
form page (pages) and the page for a form button's address opened on its own (middleware). It
imports Django and libraries alone: see docs/adr/0007-layers.md."""
