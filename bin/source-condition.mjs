// Resolve hook: prefer the "rnr-source" export condition, so `import 'rnr'` finds the TypeScript
// sources in a checkout of the repository (tsx compiles them on the fly). Only the repository's own
// dev loop uses it; an installed package has no sources and resolves to dist/.
export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('rnr-source')
    ? context.conditions
    : ['rnr-source', ...context.conditions];
  return next(specifier, { ...context, conditions });
}
