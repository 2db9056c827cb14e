// Probabilities as the user reads them: a percentage with one decimal (hovers, quick picks, the
// Review view), or none where a list of many must stay short (diagnostics).
export function percent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
