/**
 * Alpaca's error answers: an HTTP status and a JSON body `{ code, message }`, the code being Alpaca's 8-digit
 * one (status × 100,000 + detail). The texts follow Alpaca's where we know them; README.md lists which are ours.
 */

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** Extra headers (e.g. the rate-limit ones on a 429). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

export const API_ERRORS = {
  unauthorized: () => new ApiError(401, 40110000, 'request is not authorized'),
  forbidden: (message: string) => new ApiError(403, 40310000, message),
  notFound: (message: string) => new ApiError(404, 40410000, message),
  invalid: (message: string) => new ApiError(422, 40010001, message),
  unprocessable: (message: string) => new ApiError(422, 42210000, message),
  rateLimited: (headers: Record<string, string>) => new ApiError(429, 42910000, 'rate limit exceeded', headers),
  internal: (status = 500) => new ApiError(status, 50010000, 'internal server error'),
  noRoute: (method: string, path: string) => new ApiError(404, 40410000, `endpoint not found: ${method} ${path}`),
} as const;
