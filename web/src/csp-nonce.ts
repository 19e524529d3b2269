/**
 * The nonce the API put in this page's Content-Security-Policy (Vite writes it into a
 * `<meta property="csp-nonce">`): style elements the component kit and the editor add at run time
 * carry it, so the policy needs no 'unsafe-inline'.
 */
export function cspNonce(): string {
  return document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
}
