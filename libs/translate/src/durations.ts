/** Gateway API Duration (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`) → seconds; undefined if malformed. */
export function parseGatewayDuration(text: string): number | undefined {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9]{1,5})(ms|h|m|s)/g)) {
    const n = Number(amount);
    ms += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
  }
  return ms / 1000;
}
