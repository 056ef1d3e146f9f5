// The coaching form: minutes in one tap. Each quick button fills the minutes field and shows
// which one is chosen; typing another number unmarks them. The form works without it.

const buttons = [...document.querySelectorAll("[data-minutes]")];

const mark = (value) => {
  buttons.forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.minutes === value));
  });
};

buttons.forEach((button) => {
  const field = document.getElementById(button.getAttribute("aria-controls"));
  if (!field) return;
  button.addEventListener("click", () => {
    field.value = button.dataset.minutes;
    mark(field.value);
  });
  field.addEventListener("input", () => mark(field.value));
  mark(field.value);
});
