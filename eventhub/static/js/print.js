// The ticket's print page: a Print button (no inline scripts under the CSP).

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) window.print();
});
