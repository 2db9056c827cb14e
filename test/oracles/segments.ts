// Reference segmenting for tests: all of a document's segments at once, from the product's
// `iterateSegments` (the labeler takes them a sentence at a time through `segmentSteps`).
import { iterateSegments, type Segment, type SegmentOptions } from '../../src/core/segments';

/** Cuts a document into segments. Every character is in one segment. */
export function segmentText(text: string, options: SegmentOptions): Segment[] {
  return [...iterateSegments(text, options)];
}
