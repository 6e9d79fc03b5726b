// A little progressive enhancement; every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  // "Are you sure?" before cancelling a call.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  document.querySelectorAll("input[data-select]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
  // Telegram Mini App: hand Telegram's signed init data to the server.
  const form = document.querySelector("form[data-telegram-sign-in]");
  if (form) {
    const app = window.Telegram && window.Telegram.WebApp;
    if (app && app.initData) {
      app.ready();
      document.getElementById("init-data").value = app.initData;
      form.submit();
    } else {
      const status = document.getElementById("telegram-status");
      if (status) status.textContent = status.dataset.missing || status.textContent;
    }
  }
});
