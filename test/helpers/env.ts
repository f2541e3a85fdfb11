// The database and Redis the suite runs against, read the way the server reads its settings
// (src/config.ts): an empty `DATABASE_URL=` or `REDIS_URL=` means unset, not a URL to parse.
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DATABASE_URL?.trim() || undefined;
}

export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.REDIS_URL?.trim() || undefined;
}
