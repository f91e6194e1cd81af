// Starts Swagger UI on /docs. A file rather than an inline script, so that the page's
// Content-Security-Policy can refuse every script the app did not serve as a file; its
// settings are the page's data-config attribute (JSON, written by app/docs.py).
"use strict";
(function () {
  var element = document.getElementById("swagger-ui");
  var config = JSON.parse(element.dataset.config);
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
