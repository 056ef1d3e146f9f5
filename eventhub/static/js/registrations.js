// The organizer's registration list: one box ticks every row of the page.

document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  const form = box.form;
  if (!form) return;
  form.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`).forEach((row) => {
    row.checked = box.checked;
  });
});
