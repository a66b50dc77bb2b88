// {{ header }}

export * from "./models.js";
export * from "./validation.js";
export * from "./operations.js";
export * from "./server.js";
export * from "./client.js";
{%- if connector %}
export * from "./connector.js";
{%- endif %}
