// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

export * from "./models.ts";
export * from "./validation.ts";
export * from "./operations.ts";
export * from "./server.ts";
export * from "./client.ts";
export * from "./connector.ts";
