import { fail, OK } from './filter-handler.js';
import type { FilterHandler } from './filter-handler.js';
import { replacePrefixPairs } from './path-rewrite.js';

/** URLRewrite → proxy-rewrite `host` and `uri` (ReplaceFullPath) or `regex_uri` (ReplacePrefixMatch). */
export const urlRewrite: FilterHandler = {
  type: 'URLRewrite',
  routeKinds: ['HTTPRoute'],
  apply(filter, plugins, context) {
    const rewrite = filter.urlRewrite;
    if (rewrite === undefined) return fail('URLRewrite filter needs urlRewrite');
    const plugin = (plugins['proxy-rewrite'] ??= {});
    if (rewrite.hostname !== undefined) plugin.host = rewrite.hostname;
    const path = rewrite.path;
    if (path === undefined) return OK;
    if (path.type === 'ReplaceFullPath') {
      if (path.replaceFullPath === undefined) return fail('URLRewrite ReplaceFullPath needs replaceFullPath');
      plugin.uri = path.replaceFullPath;
      return OK;
    }
    if (path.type === 'ReplacePrefixMatch') {
      if (path.replacePrefixMatch === undefined) return fail('URLRewrite ReplacePrefixMatch needs replacePrefixMatch');
      if (context.matchPrefix === undefined) return fail('URLRewrite ReplacePrefixMatch needs a PathPrefix match');
      plugin.regex_uri = replacePrefixPairs(context.matchPrefix, path.replacePrefixMatch);
      return OK;
    }
    return fail(`URLRewrite path type "${path.type}" is not supported`);
  },
};
