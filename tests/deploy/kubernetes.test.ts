// The Kubernetes manifests of the sessions lab: valid against the Kubernetes schemas, and true to
// the lab contract (liveness on /healthz, readiness on /readyz, the port the app reads from PORT).
import { describe, expect, it } from 'vitest';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2';
import { Secret, Service, type IContainer, type IService } from 'kubernetes-models/v1';
import { APP_PORT, findObject, readManifests, type ManifestObject } from './helpers.ts';

/** The model class of every kind the manifests may hold, by `apiVersion/kind`. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const objects = readManifests();
const app = findObject<IDeployment>(objects, 'Deployment', 'sessions-app');
const appContainer = app.spec!.template.spec!.containers[0]!;

/** The value of an environment variable set literally on a container. */
function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

/** The container port a probe or a Service target names, by number or by port name. */
function resolvePort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

describe('every Kubernetes object', () => {
  it('finds the objects the lesson walks through', () => {
    const kinds = objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    expect(kinds).toEqual([
      'Deployment/sessions-app',
      'Deployment/sessions-redis',
      'HorizontalPodAutoscaler/sessions-app',
      'Secret/sessions-secret',
      'Service/sessions-app',
      'Service/sessions-redis',
    ]);
  });

  it.each(
    objects.map((object): [string, ManifestObject] => [`${object.file}: ${object.kind}`, object]),
  )('%s is valid against its schema', (_name, object) => {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    expect(Model, `no model for ${object.apiVersion} ${object.kind}`).toBeDefined();
    // `file` is this test's own note of where the object came from, not part of the object.
    const data: Partial<ManifestObject> = { ...object };
    delete data.file;
    expect(() => new Model!(data as never).validate()).not.toThrow();
  });

  it('rejects a broken object, so the validation above is not a formality', () => {
    const broken = structuredClone(app) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });

  it('runs every pod as a non-root user, without privilege escalation, on a read-only root', () => {
    for (const deployment of objects.filter((object) => object.kind === 'Deployment')) {
      const pod = (deployment as unknown as IDeployment).spec!.template.spec!;
      expect(pod.securityContext?.runAsNonRoot, deployment.metadata.name).toBe(true);
      // runAsNonRoot can only be checked against a numeric user.
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const container of pod.containers) {
        expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
        expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
        expect(container.resources?.requests).toBeDefined();
        expect(container.resources?.limits?.['memory']).toBeDefined();
      }
    }
  });
});

describe('the app Deployment', () => {
  it('runs three replicas, selected by the labels of its pods', () => {
    expect(app.spec!.replicas).toBe(3);
    const labels = app.spec!.template.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(app.spec!.selector.matchLabels ?? {})) {
      expect(labels[key]).toBe(value);
    }
  });

  it('listens on the port it gets from PORT, and on every interface', () => {
    expect(envValue(appContainer, 'PORT')).toBe(String(APP_PORT));
    expect(envValue(appContainer, 'HOST')).toBe('0.0.0.0');
    expect(appContainer.ports?.map((port) => port.containerPort)).toEqual([APP_PORT]);
  });

  it('checks liveness on /healthz and readiness on /readyz, on the app port', () => {
    expect(appContainer.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(appContainer.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [
      appContainer.livenessProbe,
      appContainer.readinessProbe,
      appContainer.startupProbe,
    ]) {
      expect(resolvePort(appContainer, probe?.httpGet?.port)).toBe(APP_PORT);
    }
    // A startup probe, if any, must not wait for Redis either.
    expect(appContainer.startupProbe?.httpGet?.path ?? '/healthz').toBe('/healthz');
  });

  it('keeps its sessions in Redis, with a secret shared by every replica', () => {
    expect(envValue(appContainer, 'SESSION_STORE')).toBe('redis');
    const redisService = findObject<IService>(objects, 'Service', 'sessions-redis');
    expect(envValue(appContainer, 'REDIS_URL')).toBe(
      `redis://${redisService.metadata!.name}:${redisService.spec!.ports![0]!.port}`,
    );
    const secretRef = appContainer.env?.find((variable) => variable.name === 'SESSION_SECRET')
      ?.valueFrom?.secretKeyRef;
    const secret = findObject<{ metadata: { name: string }; stringData: Record<string, string> }>(
      objects,
      'Secret',
      secretRef?.name ?? '',
    );
    expect(Object.keys(secret.stringData)).toContain(secretRef?.key);
  });

  it('gives each replica its own name and time to shut down on SIGTERM', () => {
    expect(
      appContainer.env?.find((variable) => variable.name === 'INSTANCE_ID')?.valueFrom?.fieldRef
        ?.fieldPath,
    ).toBe('metadata.name');
    const grace = app.spec!.template.spec!.terminationGracePeriodSeconds ?? 30;
    const preStop = appContainer.lifecycle?.preStop?.sleep?.seconds ?? 0;
    // shutdown.js exits at the latest 10 s after SIGTERM; the grace period must cover it.
    expect(grace).toBeGreaterThanOrEqual(preStop + 10);
  });

  it('replaces pods one at a time, never with fewer ready than asked for', () => {
    expect(app.spec!.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('starts no process manager', () => {
    const command = [...(appContainer.command ?? []), ...(appContainer.args ?? [])].join(' ');
    expect(command).not.toMatch(/pm2|forever|supervisord|nodemon/);
  });
});

describe('the Services and the autoscaler', () => {
  it('sends the app Service to the app pods, on the app port', () => {
    const service = findObject<IService>(objects, 'Service', 'sessions-app');
    expect(service.spec!.selector).toEqual(app.spec!.selector.matchLabels);
    const target = service.spec!.ports![0]!.targetPort;
    expect(resolvePort(appContainer, target)).toBe(APP_PORT);
  });

  it('sends the Redis Service to the Redis pod', () => {
    const redis = findObject<IDeployment>(objects, 'Deployment', 'sessions-redis');
    const service = findObject<IService>(objects, 'Service', 'sessions-redis');
    expect(service.spec!.selector).toEqual(redis.spec!.selector.matchLabels);
    const container = redis.spec!.template.spec!.containers[0]!;
    expect(resolvePort(container, service.spec!.ports![0]!.targetPort)).toBe(6379);
  });

  it('scales the app Deployment with autoscaling/v2, from its three replicas up', () => {
    const hpa = findObject<IHorizontalPodAutoscaler>(
      objects,
      'HorizontalPodAutoscaler',
      'sessions-app',
    );
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec!.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: app.metadata!.name,
    });
    expect(hpa.spec!.minReplicas).toBe(app.spec!.replicas);
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
  });
});
