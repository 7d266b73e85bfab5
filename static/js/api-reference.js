// The API reference page: Swagger UI (static/vendor/swagger-ui) reading /api/v1/openapi.json.
// A file of its own, not an inline script: the Content-Security-Policy allows 'self' only.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("reference");
  if (!root || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
});
