// Validates Kubernetes and Knative objects against their OpenAPI schemas, offline (the schemas ship in the npm
// packages kubernetes-models and @kubernetes-models/knative). Reads a JSON array of objects on stdin and prints a
// JSON array of { kind, name, errors } (errors empty when valid); exits 1 if an object is invalid or of a kind it
// has no schema for. Plain ESM run by Node, because those packages are ESM-only.
//   node scripts/validate-manifests.mjs < objects.json      (scripts/test/deploy-manifests.spec.ts feeds it)

/** The module that holds the models of an apiVersion: Knative groups from the knative package, the rest Kubernetes'. */
function modelModule(apiVersion) {
  return apiVersion.includes('.knative.dev/') ? `@kubernetes-models/knative/${apiVersion}` : `kubernetes-models/${apiVersion}`;
}

async function validate(object) {
  const { apiVersion = '', kind = '' } = object;
  const result = { apiVersion, kind, name: object.metadata?.name ?? '', errors: [] };
  let model;
  try {
    model = (await import(modelModule(apiVersion)))[kind];
  } catch {
    model = undefined;
  }
  if (typeof model !== 'function') {
    result.errors.push(`no schema for ${apiVersion} ${kind}`);
    return result;
  }
  try {
    new model(object).validate();
  } catch (error) {
    result.errors.push(...String(error.message).split(', '));
  }
  return result;
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = await Promise.all(JSON.parse(input).map(validate));
console.log(JSON.stringify(results));
process.exit(results.some((result) => result.errors.length > 0) ? 1 : 0);
