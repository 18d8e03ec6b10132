export * from "./workspaces.ts";
export * from "./apiKeys.ts";
export * from "./events.ts";
export * from "./identities.ts";
export * from "./profiles.ts";
export * from "./catalog.ts";
export * from "./segments.ts";
export * from "./modelState.ts";
