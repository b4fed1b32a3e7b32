export const providerNames = ['sandbox', 'africastalking', 'lipad', 'zw'] as const;
export type ProviderName = (typeof providerNames)[number];

export function isProviderName(value: string): value is ProviderName {
  return (providerNames as readonly string[]).includes(value);
}
