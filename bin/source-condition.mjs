// Resolve hook: prefer the "source" export condition so `import 'rnr'` finds the TypeScript
// sources when no build has been run (tsx compiles them on the fly).
export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('source')
    ? context.conditions
    : ['source', ...context.conditions];
  return next(specifier, { ...context, conditions });
}
