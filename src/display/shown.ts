// Which of a document's labels are shown, and which of them are low-confidence: the model's
// label scheme and the settings' hidden labels and threshold. The decorations, the diagnostics
// and Next/Previous Label all ask here, so that they agree on what is on the screen.
import type { LabelScheme } from '../core/bundle';
import type { Config } from '../config';
import type { ModelHost } from '../labeling/model_host';

export interface ShownLabels {
  readonly scheme: LabelScheme;
  readonly hidden: ReadonlySet<string>;
  readonly threshold: number;
}

export function shownLabels(config: Config, model: ModelHost): ShownLabels {
  return {
    scheme: model.loaded?.bundle.config.labelScheme ?? 'plain',
    hidden: config.hiddenLabels,
    threshold: config.confidenceThreshold,
  };
}
