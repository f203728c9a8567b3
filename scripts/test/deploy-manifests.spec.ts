import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EventEmitter } from 'node:events';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { HttpAdapterHost } from '@nestjs/core';
import type { CatalogService } from '../../apps/detector/src/catalog/catalog.service';
import { parseApiKeys } from '../../apps/detector/src/auth/api-keys';
import { parseModelsConfig } from '../../apps/detector/src/config/models-config';
import type { InferenceService } from '../../apps/detector/src/inference/inference.service';
import { RUNNER_PIPELINE_DEPTH } from '../../apps/detector/src/inference/model-runners';
import { MetricsService } from '../../apps/detector/src/metrics/metrics.service';

// The deploy/ manifests, checked offline: `kubectl kustomize` renders the Kubernetes base and overlay,
// scripts/deploy-cloudrun.sh --dry-run renders the Cloud Run service, and every object is validated against the
// Kubernetes and Knative OpenAPI schemas (kubernetes-models, @kubernetes-models/knative). Then the values that must
// agree with each other and with the service's behaviour are checked (selectors, probes, grace periods, concurrency,
// CPUs and memory against the runner layout and the measured memory, the autoscaler's metric against /metrics).
const REPO_ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

/**
 * The largest resident memory measured with yolov5s, m and l loaded, one runner each, after bursts on all three and
 * without the image's MALLOC_ARENA_MAX=2 (docs/benchmarks.md: 1310 MB in the bench, 1397-1416 MB in its A/B, 1462-1483 MB
 * in the layout comparison of "Replica layout and memory"). Kubernetes' memory request and Cloud Run's limit must
 * hold at least this.
 */
const MEASURED_RSS_AFTER_BURSTS_BYTES = 1483e6;
const QUANTITY_UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };

/** A Kubernetes or Swarm memory quantity ("1536Mi", "2Gi", "1536M") in bytes. */
function bytesOf(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G|)$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  return Number(match[1]) * QUANTITY_UNITS[match[2]];
}

/** In flight per instance for one model: its runners (WORKER_THREADS) × the images each takes at once, + its queue. */
const oneModelCapacity = (env: Env) =>
  Number(envValue(env, 'WORKER_THREADS')) * RUNNER_PIPELINE_DEPTH + Number(envValue(env, 'QUEUE_DEPTH'));
/** The CPUs one model's runners keep busy: runner threads × ONNX Runtime threads each. */
const oneModelThreads = (env: Env) => Number(envValue(env, 'WORKER_THREADS')) * Number(envValue(env, 'ORT_INTRA_OP_THREADS'));

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any };
type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];

function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null);
}

async function kustomize(dir: string): Promise<Manifest[]> {
  const { stdout } = await run('kubectl', ['kustomize', resolve(REPO_ROOT, dir)]);
  return parseManifests(stdout);
}

async function renderCloudRun(image: string, env: Record<string, string> = {}): Promise<{ service: Manifest; commands: string }> {
  const { stdout, stderr } = await run('bash', ['scripts/deploy-cloudrun.sh', '--dry-run', image], {
    cwd: REPO_ROOT,
    env: { ...process.env, GCP_PROJECT_ID: 'test-project', CLOUD_RUN_REGION: 'europe-west4', ...env },
  });
  const [service] = parseManifests(stdout);
  return { service, commands: stderr };
}

/** Runs scripts/validate-manifests.mjs (plain Node: the schema packages are ESM-only) over the objects. */
async function validate(objects: unknown[]): Promise<{ code: number; results: { kind: string; name: string; errors: string[] }[] }> {
  const child = execFile(process.execPath, [resolve(REPO_ROOT, 'scripts/validate-manifests.mjs')], { cwd: REPO_ROOT });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stdin!.end(JSON.stringify(objects));
  const code = await new Promise<number>((done) => child.on('close', (exitCode) => done(exitCode ?? -1)));
  return { code, results: JSON.parse(stdout) };
}

const envValue = (env: Env, name: string) => env.find((variable) => variable.name === name)?.value;
const secretRef = (env: Env, name: string) => env.find((variable) => variable.name === name)?.valueFrom?.secretKeyRef;
const byKind = (objects: Manifest[], kind: string) => objects.filter((object) => object.kind === kind);

describe('deploy/ manifests', () => {
  jest.setTimeout(60_000);
  let base: Manifest[];
  let example: Manifest[];
  let cloudRun: { service: Manifest; commands: string };

  beforeAll(async () => {
    [base, example, cloudRun] = await Promise.all([
      kustomize('deploy/kubernetes/base'),
      kustomize('deploy/kubernetes/overlays/example'),
      renderCloudRun('europe-west1-docker.pkg.dev/test-project/images/yolov5-detector:1.2.3'),
    ]);
  });

  it('render every object, and every object passes the Kubernetes and Knative schemas', async () => {
    expect(base.map((object) => object.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
    expect(example.map((object) => object.kind).sort()).toEqual([
      'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service',
    ]);
    const { code, results } = await validate([...base, ...example, cloudRun.service]);
    expect(results.filter((result) => result.errors.length > 0)).toEqual([]);
    expect(results).toHaveLength(base.length + example.length + 1);
    expect(code).toBe(0);
  });

  it('the validator rejects what the API server would (it really checks)', async () => {
    const [deployment] = byKind(base, 'Deployment');
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    delete broken.spec.template.spec.containers[0].name;
    const knative = structuredClone(cloudRun.service);
    knative.spec.template.spec.containerConcurrency = '8';
    const { code, results } = await validate([broken, knative, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(code).toBe(1);
    expect(results[0].errors).toEqual(expect.arrayContaining(['data/spec/replicas must be integer', 'data/spec/template/spec/containers/0 must have required property name']));
    expect(results[1].errors).toContain('data/spec/template/spec/containerConcurrency must be integer');
    expect(results[2].errors).toEqual(['no schema for example.com/v1 Widget']);
  });

  describe.each([
    ['base', () => base],
    ['overlay example', () => example],
  ])('Kubernetes (%s)', (_name, objects) => {
    it('selects its own pods everywhere: Service, PodDisruptionBudget, HorizontalPodAutoscaler', () => {
      const [deployment] = byKind(objects(), 'Deployment');
      const podLabels = deployment.spec.template.metadata.labels;
      expect(deployment.spec.selector.matchLabels).toEqual(podLabels);
      expect(podLabels).toEqual(expect.objectContaining(byKind(objects(), 'Service')[0].spec.selector));
      expect(podLabels).toEqual(expect.objectContaining(byKind(objects(), 'PodDisruptionBudget')[0].spec.selector.matchLabels));
      const [hpa] = byKind(objects(), 'HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
      // Every object lands in one namespace (the overlay's), or none (the base: kubectl's current one).
      expect(new Set(objects().filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace)).size).toBe(1);
    });

    it('probes readiness and liveness, runs non-root on a read-only root filesystem, drains before SIGKILL', () => {
      const [deployment] = byKind(objects(), 'Deployment');
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(container.startupProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.ports).toEqual([{ name: 'http', containerPort: Number(envValue(container.env, 'PORT')) }]);
      expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000 }));
      expect(container.securityContext).toEqual(expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
      // The only paths the service writes: the models directory (downloads) and /tmp, both volumes.
      const mounts = Object.fromEntries(container.volumeMounts.map((mount: { mountPath: string; name: string }) => [mount.mountPath, mount.name]));
      expect(mounts[envValue(container.env, 'MODELS_DIR')!]).toBe('models');
      expect(mounts['/tmp']).toBe('tmp');
      const volumes = pod.volumes.map((volume: { name: string }) => volume.name);
      expect(volumes).toEqual(expect.arrayContaining(['models', 'tmp']));
      // preStop sleep + the service's drain must end before the kubelet's SIGKILL.
      const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
      const drainSeconds = Number(envValue(container.env, 'SHUTDOWN_GRACE_MS')) / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + drainSeconds);
      // A new pod is ready before an old one goes.
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      // CPU matches the threads one model's runners keep busy: runner threads per model × ONNX Runtime threads.
      const { requests, limits } = container.resources;
      expect(Number(requests.cpu)).toBe(oneModelThreads(container.env));
      expect(Number(limits.cpu)).toBe(Number(requests.cpu));
      // A busy pod's measured memory is requested (the scheduler reserves it); the limit leaves room above it.
      expect(bytesOf(requests.memory)).toBeGreaterThanOrEqual(MEASURED_RSS_AFTER_BURSTS_BYTES);
      expect(bytesOf(limits.memory)).toBeGreaterThan(bytesOf(requests.memory));
    });
  });

  it('the example overlay mounts the models read-only from the shared claim, and a valid models config from its ConfigMap', () => {
    const [deployment] = byKind(example, 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.volumes.find((volume: { name: string }) => volume.name === 'models')).toEqual({
      name: 'models',
      persistentVolumeClaim: { claimName: byKind(example, 'PersistentVolumeClaim')[0].metadata.name, readOnly: true },
    });
    expect(envValue(container.env, 'MODELS_AUTO_FETCH')).toBe('false');
    // MODELS_CONFIG names a file of the ConfigMap's read-only mount, and that file is a models config the service accepts.
    const [configMap] = byKind(example, 'ConfigMap') as (Manifest & { data: Record<string, string> })[];
    const configVolume = pod.volumes.find((volume: { configMap?: { name: string } }) => volume.configMap?.name === configMap.metadata.name);
    const configMount = container.volumeMounts.find((mount: { name: string }) => mount.name === configVolume.name);
    expect(configMount.readOnly).toBe(true);
    const configFile = envValue(container.env, 'MODELS_CONFIG')!;
    expect(dirname(configFile)).toBe(configMount.mountPath);
    const config = parseModelsConfig(configMap.data[basename(configFile)], configFile);
    expect(config.discover).toBe(true); // every *.onnx of the shared volume is served
  });

  it('Kubernetes: API keys come from an optional Secret (absent: no keys), which a kustomize secretGenerator fills', async () => {
    for (const objects of [base, example]) {
      const [container] = byKind(objects, 'Deployment')[0].spec.template.spec.containers;
      expect(secretRef(container.env, 'API_KEYS')).toEqual({ name: 'yolov5-detector-api-keys', key: 'api-keys', optional: true });
      expect(secretRef(container.env, 'METRICS_API_KEY')).toEqual({ name: 'yolov5-detector-api-keys', key: 'metrics-api-key', optional: true });
      expect(byKind(objects, 'Secret')).toEqual([]); // no key is in the repository
    }
    // An overlay of the example with the Secret generated, as docs/security.md shows it.
    const dir = await mkdtemp(join(tmpdir(), 'kustomize-keys-'));
    try {
      const overlay = [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${relative(dir, resolve(REPO_ROOT, 'deploy/kubernetes/overlays/example'))}`,
        'secretGenerator:',
        '  - name: yolov5-detector-api-keys',
        '    namespace: detector',
        '    literals:',
        '      - api-keys=client-key-0123456789abcdef,second-key-0123456789abcdef',
        '',
      ];
      await writeFile(join(dir, 'kustomization.yaml'), overlay.join('\n'));
      const objects = await kustomize(dir);
      const [secret] = byKind(objects, 'Secret') as (Manifest & { data: Record<string, string> })[];
      const [container] = byKind(objects, 'Deployment')[0].spec.template.spec.containers;
      // The generated name carries a hash of the keys: changing them rolls the pods, which read keys at start.
      expect(secret.metadata.name).toMatch(/^yolov5-detector-api-keys-[a-z0-9]{10}$/);
      expect(secretRef(container.env, 'API_KEYS')).toEqual({ name: secret.metadata.name, key: 'api-keys', optional: true });
      expect(parseApiKeys(Buffer.from(secret.data['api-keys'], 'base64').toString())).toHaveLength(2);
      // kustomize wraps long base64 values over lines, which the API server's decoder reads but the schema's pattern does not.
      secret.data = Object.fromEntries(Object.entries(secret.data).map(([name, value]) => [name, value.replace(/\s/g, '')]));
      const { code, results } = await validate(objects);
      expect(results.filter((result) => result.errors.length > 0)).toEqual([]);
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('autoscaling on the fullest model queue (components/hpa-queue-depth, in the example overlay)', () => {
    const adapterRule = async () => {
      const values = parseYaml(await readFile(resolve(REPO_ROOT, 'deploy/kubernetes/components/hpa-queue-depth/prometheus-adapter-values.yaml'), 'utf8'));
      expect(values.rules.custom).toHaveLength(1);
      return values.rules.custom[0] as { seriesQuery: string; metricsQuery: string; name: { as: string } };
    };

    it('the HPA asks for the metric the adapter serves, scaling out before a model\'s queue is full', async () => {
      const [hpa] = byKind(example, 'HorizontalPodAutoscaler');
      const queueMetric = hpa.spec.metrics.find((metric: { type: string }) => metric.type === 'Pods');
      expect(queueMetric.pods.metric.name).toBe((await adapterRule()).name.as);
      const [container] = byKind(example, 'Deployment')[0].spec.template.spec.containers;
      // QUEUE_DEPTH is per model and the metric is the fullest model queue of a pod: the target must be below it.
      expect(Number(queueMetric.pods.target.averageValue)).toBeLessThan(Number(envValue(container.env, 'QUEUE_DEPTH')));
      expect(hpa.spec.metrics.some((metric: { type: string; resource?: { name: string } }) => metric.resource?.name === 'cpu')).toBe(true);
    });

    it('the adapter queries series the service exports on /metrics, per model where it takes the maximum', async () => {
      const rule = await adapterRule();
      const queried = new Set([...`${rule.seriesQuery} ${rule.metricsQuery}`.matchAll(/\b(detector_[a-z_]+)\{/g)].map((match) => match[1]));
      expect([...queried].sort()).toEqual(['detector_model_queue_depth', 'detector_queue_depth']);
      // The service's own MetricsService, fed the load of two models (one of them with requests waiting).
      const inference = {
        events: new EventEmitter(),
        loadStats: () => ({ threads: 2, queued: 3, running: 4, queueDepth: 6 }),
        modelLoad: () => [
          { model: 'yolov5s', queued: 3, running: 2, capacity: 2 },
          { model: 'yolov5l', queued: 0, running: 2, capacity: 2 },
        ],
      } as unknown as InferenceService;
      const catalog = { all: () => [] } as unknown as CatalogService;
      const exported = await new MetricsService(inference, catalog, {} as HttpAdapterHost).metrics();
      expect(exported).toMatch(/^detector_queue_depth 3$/m);
      expect(exported).toMatch(/^detector_model_queue_depth\{model="yolov5s"\} 3$/m);
      expect(exported).toMatch(/^detector_model_queue_depth\{model="yolov5l"\} 0$/m);
      // The rule takes the per-model series' maximum per pod, falling back to the pod total (always exported).
      expect(rule.metricsQuery).toMatch(/^max by \(<<\.GroupBy>>\) \(detector_model_queue_depth\{<<\.LabelMatchers>>\}\) or /);
      expect(rule.seriesQuery).toMatch(/^detector_queue_depth\{/);
    });
  });

  it('Docker Swarm (deploy/swarm/stack.yml): CPUs = runner threads × ONNX Runtime threads, memory reserved as measured', async () => {
    const stack = parseYaml(await readFile(resolve(REPO_ROOT, 'deploy/swarm/stack.yml'), 'utf8'));
    // The stack's values with the shell's variables unset: `${NAME:-default}` → default.
    const withDefaults = (value: string) => String(value).replace(/\$\{\w+:-([^}]*)\}/g, '$1');
    const { environment, deploy } = stack.services.detector;
    const env: Env = Object.entries(environment as Record<string, string>).map(([name, value]) => ({ name, value: withDefaults(value) }));
    expect(Number(withDefaults(deploy.resources.limits.cpus))).toBe(oneModelThreads(env));
    // Docker's memory units are binary (1024M = 1 GiB). 992-995 MiB measured per replica by npm run test:swarm with
    // s, m and l loaded (docs/benchmarks.md, "History").
    const dockerBytes = (value: string) => bytesOf(withDefaults(value).replace(/^(\d+)([kmg])b?$/i, (_, count, unit) => `${count}${unit.toUpperCase()}i`));
    const reserved = dockerBytes(deploy.resources.reservations.memory);
    expect(reserved).toBeGreaterThanOrEqual(995 * 2 ** 20);
    expect(dockerBytes(deploy.resources.limits.memory)).toBeGreaterThan(reserved);
    expect(Number(withDefaults(stack.services.detector.stop_grace_period.replace(/s$/, '')))).toBeGreaterThan(Number(envValue(env, 'SHUTDOWN_GRACE_MS')) / 1000);
  });

  it('Docker Swarm: API keys from a Docker secret in an override file; the stack alone needs none', async () => {
    const stack = parseYaml(await readFile(resolve(REPO_ROOT, 'deploy/swarm/stack.yml'), 'utf8'));
    expect(stack.secrets).toBeUndefined();
    expect(stack.services.detector.secrets).toBeUndefined();
    const keys = parseYaml(await readFile(resolve(REPO_ROOT, 'deploy/swarm/api-keys.yml'), 'utf8'));
    expect(keys.version).toBe(stack.version);
    const [mounted] = keys.services.detector.secrets;
    // Swarm mounts a secret at /run/secrets/<target>, readable by the image's user.
    expect(keys.services.detector.environment.API_KEYS_FILE).toBe(`/run/secrets/${mounted.target}`);
    expect(mounted).toEqual(expect.objectContaining({ uid: '1000', mode: 0o400 })); // decimal in the file: YAML 1.1 and 1.2 read 0400 differently
    expect(keys.secrets[mounted.source]).toEqual({ external: true, name: '${DETECTOR_API_KEYS_SECRET:-detector_api_keys}' });
  });

  describe('Cloud Run (scripts/deploy-cloudrun.sh)', () => {
    it('adds API_KEYS and METRICS_API_KEY from Secret Manager only when their secrets are named', async () => {
      expect(secretRef(cloudRun.service.spec.template.spec.containers[0].env, 'API_KEYS')).toBeUndefined();
      const withKeys = await renderCloudRun('eu.gcr.io/p/yolov5-detector:1', { API_KEYS_SECRET: 'detector-api-keys', METRICS_API_KEY_SECRET: 'detector-metrics-key' });
      const [container] = withKeys.service.spec.template.spec.containers;
      expect(secretRef(container.env, 'API_KEYS')).toEqual({ name: 'detector-api-keys', key: 'latest' });
      expect(secretRef(container.env, 'METRICS_API_KEY')).toEqual({ name: 'detector-metrics-key', key: 'latest' });
      expect(container.env.filter((variable: { name: string }) => variable.name !== 'API_KEYS' && variable.name !== 'METRICS_API_KEY')).toEqual(cloudRun.service.spec.template.spec.containers[0].env);
      const { code, results } = await validate([withKeys.service]);
      expect(results[0].errors).toEqual([]);
      expect(code).toBe(0);
      await expect(renderCloudRun('eu.gcr.io/p/yolov5-detector:1', { API_KEYS_SECRET: 'keys"; rm -rf /' })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('is not a Secret Manager secret name') });
    });

    it('deploys the image given, and prints the gcloud commands it would run', () => {
      const { service, commands } = cloudRun;
      expect(service.spec.template.spec.containers[0].image).toBe('europe-west1-docker.pkg.dev/test-project/images/yolov5-detector:1.2.3');
      expect(commands).toMatch(/^\+ gcloud run services replace \S+\.yaml --region europe-west4 --project test-project --quiet$/m);
      expect(commands).toMatch(/^\+ gcloud run services describe yolov5-detector --region europe-west4 --project test-project --format/m);
      expect(commands).not.toMatch(/add-iam-policy-binding/);
    });

    it('matches the service: concurrency = one model\'s runners × 2 + its queue, CPUs, memory, probes, port, drain', () => {
      const { spec, metadata } = cloudRun.service.spec.template;
      const [container] = spec.containers;
      const env: Env = container.env;
      // All requests for one model is the mix that fills an instance soonest: no more than that is sent to it.
      expect(spec.containerConcurrency).toBe(oneModelCapacity(env));
      expect(Number(container.resources.limits.cpu)).toBe(oneModelThreads(env));
      expect(bytesOf(container.resources.limits.memory)).toBeGreaterThanOrEqual(MEASURED_RSS_AFTER_BURSTS_BYTES);
      expect(container.startupProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeLessThanOrEqual(240); // Cloud Run's limit
      expect(container.ports[0].containerPort).toBe(8000);
      expect(Number(envValue(env, 'SHUTDOWN_GRACE_MS'))).toBeLessThan(10_000);
      expect(spec.timeoutSeconds).toBeLessThanOrEqual(3600);
      expect(metadata.annotations).toEqual(
        expect.objectContaining({ 'run.googleapis.com/startup-cpu-boost': 'true', 'run.googleapis.com/sessionAffinity': 'true' }),
      );
      expect(Number(metadata.annotations['autoscaling.knative.dev/minScale'])).toBeGreaterThanOrEqual(1);
    });

    it('refuses a local image name and a missing project, saying why', async () => {
      await expect(run('bash', ['scripts/deploy-cloudrun.sh', '--dry-run', 'yolov5-detector'], { cwd: REPO_ROOT, env: { ...process.env, GCP_PROJECT_ID: 'p' } }))
        .rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('not a registry image') });
      const env = { ...process.env };
      delete env.GCP_PROJECT_ID;
      await expect(run('bash', ['scripts/deploy-cloudrun.sh', '--dry-run', 'eu.gcr.io/p/yolov5-detector:1'], { cwd: REPO_ROOT, env }))
        .rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('set GCP_PROJECT_ID') });
    });

    it('deploys with gcloud, then waits for /health/ready with an identity token and prints the URL', async () => {
      // gcloud stand-in on PATH: logs its arguments, names a local server as the service's URL.
      const dir = await mkdtemp(join(tmpdir(), 'deploy-cloudrun-'));
      const probes: (string | undefined)[] = [];
      const server = createServer((req, res) => {
        probes.push(`${req.url} ${req.headers.authorization}`);
        res.writeHead(probes.length === 1 ? 503 : 200).end();
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const fake = ['#!/bin/sh', `echo "$*" >> "${dir}/calls"`, 'case "$*" in', `  "run services describe"*) echo "${url}" ;;`, '  "auth print-identity-token"*) echo token-1 ;;', 'esac', ''];
        await writeFile(join(dir, 'gcloud'), fake.join('\n'));
        await chmod(join(dir, 'gcloud'), 0o755);
        const { stdout } = await run('bash', ['scripts/deploy-cloudrun.sh', 'eu.gcr.io/p/yolov5-detector:1'], {
          cwd: REPO_ROOT,
          env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, GCP_PROJECT_ID: 'p', READY_TIMEOUT: '30' },
        });
        expect(stdout.trim()).toBe(url);
        const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
        expect(calls[0]).toMatch(/^run services replace \S+ --region europe-west1 --project p --quiet$/);
        expect(calls[1]).toBe('run services describe yolov5-detector --region europe-west1 --project p --format value(status.url)');
        expect(calls[2]).toBe(`auth print-identity-token --audiences ${url}`);
        expect(probes).toEqual(['/health/ready Bearer token-1', '/health/ready Bearer token-1']);
      } finally {
        server.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('with ALLOW_UNAUTHENTICATED=true also lets anyone invoke it', async () => {
      const { stderr } = await run('bash', ['scripts/deploy-cloudrun.sh', '--dry-run', 'eu.gcr.io/p/yolov5-detector:1'], {
        cwd: REPO_ROOT,
        env: { ...process.env, GCP_PROJECT_ID: 'p', ALLOW_UNAUTHENTICATED: 'true' },
      });
      expect(stderr).toMatch(/^\+ gcloud run services add-iam-policy-binding yolov5-detector --region europe-west1 --project p --member allUsers --role roles\/run.invoker --quiet$/m);
    });
  });
});
