/**
 * A value made once per route and transport (a bounded set: route templates and RPC names), found
 * on the hot path by two map lookups with the strings the request record already holds, no key
 * built. A route's product is fixed in practice: a value made for another product is served, not
 * cached.
 */
export function routeCache<T>(make: (product: string, route: string, transport: string) => T): (product: string, route: string, transport: string) => T {
  // route → transport → the product it was made for and the value.
  const routes = new Map<string, Map<string, { product: string; value: T }>>();
  return (product, route, transport) => {
    let byTransport = routes.get(route);
    if (byTransport === undefined) {
      byTransport = new Map();
      routes.set(route, byTransport);
    }
    const known = byTransport.get(transport);
    if (known !== undefined && known.product === product) return known.value;
    const value = make(product, route, transport);
    if (known === undefined) byTransport.set(transport, { product, value });
    return value;
  };
}
