// Money is stored as integer minor units (paise, cents); the API shows major units (fees: 500).
export const toMinor = (major: number): number => Math.round(major * 100);
export const toMajor = (minor: number | bigint | string): number => Number(minor) / 100;
