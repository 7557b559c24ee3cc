"""The kernel: what every area of gpfed builds on and which knows none of them. Money as text
(formats), dates held to the years gpfed works with (dates), formula-safe CSV (exports), checked
uploads and stored documents (uploads, documents), safe header values (headers) and the one
form page (pages). It imports Django and libraries alone: see docs/adr/0007-layers.md."""
