/**
 * The tree a `composite_advice` names: `<Advices><AttributeValuePair><Attribute
 * name="AuthenticateToServiceConditionAdvice"/><Value>/alpha:MyTree</Value>…`. Both AM's service
 * and tree advices are read; a value may carry a `realm:` prefix, which is dropped (the realm is
 * the request's).
 */
export function treeFromAdvice(advice: string): string | undefined {
  const pair =
    /<Attribute\s+name="(AuthenticateToServiceConditionAdvice|AuthenticateToTreeConditionAdvice)"\s*\/>\s*<Value>([^<]*)<\/Value>/i.exec(
      advice,
    );
  const value = pair?.[2]?.trim();
  if (!value) return undefined;
  const colon = value.lastIndexOf(':');
  return colon >= 0 ? value.slice(colon + 1) : value;
}
