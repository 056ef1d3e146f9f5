// Small enhancements for every page; each page works without them.

import "./form-errors.js";

document.documentElement.classList.add("js");

// Ask before destructive actions: <form data-confirm="Really?">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Copy a value to the clipboard: <button data-copy="#selector" data-copied="Copied">.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    const label = button.textContent;
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  } catch {
    // No clipboard (old WeChat browsers): select the text so it can be copied by hand.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});

// Filters that apply as soon as they change: <select data-autosubmit>.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});

// Close the account menu when tapping elsewhere or pressing Escape.
const closeMenus = (except) => {
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (menu !== except) menu.removeAttribute("open");
  });
};
document.addEventListener("click", (event) => {
  const inside = event.target instanceof Element ? event.target.closest("details.menu") : null;
  closeMenus(inside);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeMenus(null);
});
