// {{ header }}

export * from "./models.ts";
export * from "./validation.ts";
export * from "./operations.ts";
export * from "./server.ts";
export * from "./client.ts";
{%- if connector %}
export * from "./connector.ts";
{%- endif %}
