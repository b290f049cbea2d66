// oidc-provider 8 ships no type declarations; the test harness uses a small part of it.
declare module "oidc-provider" {
  const Provider: new (issuer: string, configuration: Record<string, unknown>) => any;
  export default Provider;
}
