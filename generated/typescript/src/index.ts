// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

export * from "./models.js";
export * from "./validation.js";
export * from "./operations.js";
export * from "./server.js";
export * from "./client.js";
export * from "./connector.js";
