/** Currencies the Retail Prices API converts to (its documentation's list); no imports, so the CLI's flag check loads nothing else. */
export const RETAIL_CURRENCIES = ['USD', 'AUD', 'BRL', 'CAD', 'CHF', 'CNY', 'DKK', 'EUR', 'GBP', 'INR', 'JPY', 'KRW', 'NOK', 'NZD', 'RUB', 'SEK', 'TWD'] as const;

export const DEFAULT_CURRENCY = 'USD';
