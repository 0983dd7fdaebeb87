import type { FilterHandler } from './filter-handler.js';
import { requestHeaderModifier, responseHeaderModifier } from './header-modifiers.js';
import { requestMirror } from './request-mirror.js';
import { requestRedirect } from './request-redirect.js';
import { urlRewrite } from './url-rewrite.js';

/** Every filter Weft understands; a type not listed here makes its rule answer 500 and is reported. */
export const FILTER_HANDLERS: readonly FilterHandler[] = [
  requestHeaderModifier,
  responseHeaderModifier,
  requestRedirect,
  urlRewrite,
  requestMirror,
];

export { fail, OK } from './filter-handler.js';
export type { FilterContext, FilterHandler, FilterOutcome, PluginDraft } from './filter-handler.js';
