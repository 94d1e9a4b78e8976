// Starts Swagger UI on /api/v1/docs (kept out of the page: the CSP forbids inline scripts).
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.dataset.config || "{}");
  config.url = container.dataset.specUrl;
  config.dom_id = "#swagger-ui-container";
  // no call to the public validator: government networks often have no internet
  config.validatorUrl = null;
  window.ui = SwaggerUIBundle(config);
})();
