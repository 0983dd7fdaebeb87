import { INJECT_LABEL, ISTIO_INJECTION_LABEL, ISTIO_REVISION_LABEL } from './names.js';

/**
 * Whether a pod gets the sidecar. Precedence, like Istio's:
 *
 *   1. namespace `weft.dev/inject=disabled`              → never (a pod cannot opt in against its namespace)
 *   2. pod label `weft.dev/inject`, else pod annotation   → `"true"` injects, `"false"` does not; the label wins
 *      when both are set (the API server's objectSelector sees labels only)
 *   3. namespace `weft.dev/inject=enabled`               → injects
 *   4. anything else                                      → not injected
 *
 * Refused with a message: a namespace asking for Weft and Istio at once, and any value outside the ones above.
 */
export type InjectionDecision =
  | { readonly kind: 'inject'; readonly because: string }
  | { readonly kind: 'skip'; readonly because: string }
  | { readonly kind: 'refuse'; readonly message: string };

type Labels = Readonly<Record<string, string>>;

export function decideInjection(namespace: string, namespaceLabels: Labels, podLabels: Labels, podAnnotations: Labels): InjectionDecision {
  const nsValue = namespaceLabels[INJECT_LABEL];
  if (nsValue !== undefined && nsValue !== 'enabled' && nsValue !== 'disabled') {
    return { kind: 'refuse', message: `namespace "${namespace}" has label ${INJECT_LABEL}=${nsValue}; it must be "enabled" or "disabled"` };
  }
  if (nsValue === 'enabled') {
    const istio = namespaceLabels[ISTIO_INJECTION_LABEL] === 'enabled'
      ? `${ISTIO_INJECTION_LABEL}=enabled`
      : namespaceLabels[ISTIO_REVISION_LABEL] !== undefined ? `${ISTIO_REVISION_LABEL}=${namespaceLabels[ISTIO_REVISION_LABEL]}` : undefined;
    if (istio !== undefined) {
      return {
        kind: 'refuse',
        message: `namespace "${namespace}" has both ${INJECT_LABEL}=enabled and ${istio}: a pod cannot get two sidecars; remove one of the two labels`,
      };
    }
  }
  if (nsValue === 'disabled') return { kind: 'skip', because: `namespace label ${INJECT_LABEL}=disabled` };

  const podChoice = choiceOf('label', podLabels[INJECT_LABEL]) ?? choiceOf('annotation', podAnnotations[INJECT_LABEL]);
  if (podChoice !== undefined) {
    if ('message' in podChoice) return { kind: 'refuse', message: podChoice.message };
    return podChoice.value
      ? { kind: 'inject', because: `pod ${podChoice.where} ${INJECT_LABEL}=true` }
      : { kind: 'skip', because: `pod ${podChoice.where} ${INJECT_LABEL}=false` };
  }
  if (nsValue === 'enabled') return { kind: 'inject', because: `namespace label ${INJECT_LABEL}=enabled` };
  return { kind: 'skip', because: `namespace "${namespace}" is not labelled ${INJECT_LABEL}=enabled` };
}

function choiceOf(where: 'label' | 'annotation', value: string | undefined): { where: string; value: boolean } | { message: string } | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return { where, value: value === 'true' };
  return { message: `pod ${where} ${INJECT_LABEL}="${value}" must be "true" or "false"` };
}
