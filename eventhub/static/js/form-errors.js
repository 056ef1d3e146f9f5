// A form shown again with errors: the first invalid field gets the focus (the phone's keyboard
// opens on it), and each link of the error summary focuses the field it names, a radio or
// checkbox group's first option included (a <fieldset> cannot take the focus itself).

const CONTROLS = "input:not([type=hidden]), select, textarea";

const controlOf = (target) => (target.matches(CONTROLS) ? target : target.querySelector(CONTROLS));

const show = (control) => {
  control.focus({ preventScroll: true });
  (control.closest(".field, fieldset") || control).scrollIntoView({ block: "center" });
};

const firstInvalid = document.querySelector("form [aria-invalid='true']");
if (firstInvalid) show(firstInvalid);

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element
    ? event.target.closest(".form-errors a[href^='#']") : null;
  if (!link) return;
  const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  const control = target && controlOf(target);
  if (!control) return;
  event.preventDefault();
  show(control);
});
