// Start the NHS.UK frontend components (header menu, error summary focus, ...).
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("nhsuk-frontend-supported");
initAll();
