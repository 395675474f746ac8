package manifest_test

import (
	"testing"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/infra/validate/manifest"
)

// A broken manifest fails validation: each case breaks one rendered object the
// way a careless edit would, and the checks must say so.
func TestBrokenManifestsFail(t *testing.T) {
	type mutation struct {
		name    string
		overlay string // default overlays/dev
		kind    string
		obj     string
		edit    func(o map[string]any)
		add     map[string]any // instead of edit: an extra object
		want    string
	}
	container := func(path ...any) []any {
		return append([]any{"spec", "template", "spec", "containers", 0}, path...)
	}
	tmplAnn := func(k string) []any { return []any{"spec", "template", "metadata", "annotations", k} }
	cases := []mutation{
		// Knative Serving: strict decoding and Knative's own validation
		{name: "unknown field in a Knative Service container", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "Always", container("imagePullPolicyy")...) }, want: `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`},
		{name: "unknown top-level spec field", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, 3, "spec", "replicas") }, want: `unknown field "spec.replicas"`},
		{name: "missing image", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { del(o, container("image")...) }, want: "missing field(s): spec.template.spec.containers[0].image"},
		{name: "unparseable image", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "eko/Registry:::", container("image")...) }, want: "Failed to parse image reference"},
		{name: "image of another function", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "eko/outbox-relay", container("image")...) }, want: `is not eko/registry`},
		{name: "bad Service name", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "Registry_1", "metadata", "name") }, want: "Knative validation"},
		{name: "reserved env var", kind: "Service", obj: "registry",
			edit: func(o map[string]any) {
				set(o, []any{map[string]any{"name": "PORT", "value": "9"}}, container("env")...)
			}, want: `"PORT" is a reserved environment variable`},
		{name: "min-scale above max-scale", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "20", tmplAnn("autoscaling.knative.dev/min-scale")...) }, want: "max-scale=10 is less than min-scale=20"},
		{name: "string where a number belongs", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "ten", "spec", "template", "spec", "containerConcurrency") }, want: "containerConcurrency"},

		// func.yaml agreement
		{name: "memory limit differs from func.yaml", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "1Gi", container("resources", "limits", "memory")...) }, want: "resources.limits.memory 1Gi, func.yaml says 512Mi"},
		{name: "max-scale differs from func.yaml", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "11", tmplAnn("autoscaling.knative.dev/max-scale")...) }, want: "max-scale=11, func.yaml says 10"},
		{name: "an override lowers scale", kind: "Service", obj: "registry",
			edit: func(o map[string]any) {
				set(o, "campaign", "metadata", "annotations", "eko.kuzbass.ru/scale-override")
				set(o, "0", tmplAnn("autoscaling.knative.dev/min-scale")...)
			}, want: "may only raise scale"},
		{name: "readiness path differs from func.yaml", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "/ready", container("readinessProbe", "httpGet", "path")...) }, want: "readinessProbe path"},
		{name: "env from func.yaml missing", kind: "Service", obj: "registry",
			edit: func(o map[string]any) {
				env := at(o, container("env")...).([]any)
				set(o, env[1:], container("env")...)
			}, want: "env DATABASE_URL missing (func.yaml)"},
		{name: "registry made public", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { del(o, "metadata", "labels", "networking.knative.dev/visibility") }, want: "only the portal is public"},
		{name: "relay scales to zero", kind: "Service", obj: "outbox-relay",
			edit: func(o map[string]any) { set(o, "0", tmplAnn("autoscaling.knative.dev/min-scale")...) }, want: "min-scale must be at least 1"},
		{name: "Service with no func.yaml", kind: "Service", obj: "registry",
			edit: func(o map[string]any) { set(o, "registry-two", "metadata", "name") }, want: "no func.yaml describes"},

		// secrets
		{name: "secret key not in the templates", kind: "Service", obj: "registry",
			edit: func(o map[string]any) {
				set(o, "DATABASE_URI", container("env", 0, "valueFrom", "secretKeyRef", "key")...)
			}, want: `secret "eko-db" has no key "DATABASE_URI"`},
		{name: "a Secret in the manifests", add: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": "leak", "namespace": "eko"}, "stringData": map[string]any{"x": "y"}}, want: "secrets must not be part of the manifests"},

		// eventing
		{name: "Broker without a dead-letter sink", kind: "Broker", obj: "eko",
			edit: func(o map[string]any) { del(o, "spec", "delivery", "deadLetterSink") }, want: "deadLetterSink is required"},
		{name: "Broker with linear backoff", kind: "Broker", obj: "eko",
			edit: func(o map[string]any) { set(o, "linear", "spec", "delivery", "backoffPolicy") }, want: "backoffPolicy must be exponential"},
		{name: "Broker backoff delay not ISO 8601", kind: "Broker", obj: "eko",
			edit: func(o map[string]any) { set(o, "5 seconds", "spec", "delivery", "backoffDelay") }, want: "backoffDelay"},
		{name: "Broker with unknown delivery field", kind: "Broker", obj: "eko",
			edit: func(o map[string]any) { set(o, 3, "spec", "delivery", "retries") }, want: `unknown field "spec.delivery.retries"`},
		{name: "dead-letter sink to a missing Service", kind: "Broker", obj: "eko",
			edit: func(o map[string]any) { set(o, "dead-letters", "spec", "delivery", "deadLetterSink", "ref", "name") }, want: "deadLetterSink Service dead-letters does not exist"},
		{name: "SinkBinding to a missing Broker", kind: "SinkBinding", obj: "outbox-relay-broker",
			edit: func(o map[string]any) { set(o, "default", "spec", "sink", "ref", "name") }, want: "sink Broker default does not exist"},
		{name: "SinkBinding sink without kind", kind: "SinkBinding", obj: "outbox-relay-broker",
			edit: func(o map[string]any) { del(o, "spec", "sink", "ref", "kind") }, want: "Knative validation"},
		{name: "SinkBinding unknown field", kind: "SinkBinding", obj: "outbox-relay-broker",
			edit: func(o map[string]any) { set(o, "x", "spec", "subjects") }, want: `unknown field "spec.subjects"`},
		{name: "hand-made Trigger that is no route", add: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
			"metadata": map[string]any{"name": "registry-anything", "namespace": "eko"},
			"spec": map[string]any{"broker": "eko", "filter": map[string]any{"attributes": map[string]any{"type": "ru.kuzbass.eko.person.created.v1"}},
				"subscriber": map[string]any{"ref": map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "registry"}, "uri": "/api/registry/events"}}},
			want: "but events/ has no such route"},
		{name: "Trigger with an unknown field", add: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
			"metadata": map[string]any{"name": "registry-typo", "namespace": "eko"},
			"spec":     map[string]any{"broker": "eko", "filterr": map[string]any{"type": "x"}}},
			want: `unknown field "spec.filterr"`},
		{name: "Broker in the all-in-one", overlay: "overlays/allinone", add: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
			"metadata": map[string]any{"name": "eko", "namespace": "eko"}}, want: "no use for a Broker"},

		{name: "cluster ConfigMap without the issuer", kind: "ConfigMap", obj: "eko-cluster",
			edit: func(o map[string]any) { del(o, "data", "SERVICE_ACCOUNT_ISSUER") }, want: "ConfigMap eko-cluster has no key SERVICE_ACCOUNT_ISSUER"},
		{name: "cluster ConfigMap without the trusted proxies", kind: "ConfigMap", obj: "eko-cluster",
			edit: func(o map[string]any) { del(o, "data", "TRUSTED_PROXIES") }, want: "ConfigMap eko-cluster has no key TRUSTED_PROXIES"},
		{name: "Trigger without the delivery audience", kind: "Trigger", obj: "submit-application-application-status-changed-v1",
			edit: func(o map[string]any) { del(o, "spec", "subscriber", "audience") }, want: `must name audience "eko.kuzbass.ru/events/submit-application"`},
		{name: "dead-letter sink without the delivery audience", kind: "Broker", obj: "eko",
			edit: func(o map[string]any) { del(o, "spec", "delivery", "deadLetterSink", "audience") }, want: `must name audience "eko.kuzbass.ru/events/outbox-relay"`},

		// database
		{name: "Pooler in session mode", kind: "Pooler", obj: "eko-pg-pooler-rw",
			edit: func(o map[string]any) { set(o, "session", "spec", "pgbouncer", "poolMode") }, want: "poolMode must be transaction"},
		{name: "Pooler without prepared statements", kind: "Pooler", obj: "eko-pg-pooler-rw",
			edit: func(o map[string]any) { del(o, "spec", "pgbouncer", "parameters", "max_prepared_statements") }, want: "max_prepared_statements must be a positive number"},
		{name: "Pooler of another cluster", kind: "Pooler", obj: "eko-pg-pooler-rw",
			edit: func(o map[string]any) { set(o, "pg", "spec", "cluster", "name") }, want: `cluster "pg" does not exist`},
		{name: "Cluster without storage size", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) { del(o, "spec", "storage", "size") }, want: "spec.storage.size is required"},
		{name: "Cluster with a misspelt field", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) { set(o, 3, "spec", "instance") }, want: `unknown field "spec.instance"`},
		{name: "Cluster without an owner", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) { del(o, "spec", "bootstrap", "initdb", "owner") }, want: "initdb.database and .owner are required"},
		{name: "Cluster without backups", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) { del(o, "spec", "backup") }, want: "spec.backup.barmanObjectStore is required"},
		{name: "backups into a local path", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) {
				set(o, "/var/backups", "spec", "backup", "barmanObjectStore", "destinationPath")
			}, want: "destinationPath must be an s3:// bucket path"},
		{name: "backup credentials from a secret that is not templated", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) {
				set(o, "eko-nowhere", "spec", "backup", "barmanObjectStore", "s3Credentials", "accessKeyId", "name")
			}, want: `secret "eko-nowhere" is not among the templates`},
		{name: "backups kept forever", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) { del(o, "spec", "backup", "retentionPolicy") }, want: "retentionPolicy must be days, weeks or months"},
		{name: "a suspended nightly backup", kind: "ScheduledBackup", obj: "eko-pg-nightly",
			edit: func(o map[string]any) { set(o, true, "spec", "suspend") }, want: "suspended: no base backups"},
		{name: "a cron schedule without seconds", kind: "ScheduledBackup", obj: "eko-pg-nightly",
			edit: func(o map[string]any) { set(o, "0 19 * * *", "spec", "schedule") }, want: "must have six fields"},
		{name: "a nightly backup of another cluster", kind: "ScheduledBackup", obj: "eko-pg-nightly",
			edit: func(o map[string]any) { set(o, "pg", "spec", "cluster", "name") }, want: `cluster "pg" does not exist`},
		{name: "asynchronous commits", kind: "Cluster", obj: "eko-pg",
			edit: func(o map[string]any) { set(o, "off", "spec", "postgresql", "parameters", "synchronous_commit") }, want: "synchronous_commit must stay on"},
		{name: "migrations through the pooler", kind: "Job", obj: "eko-migrate",
			edit: func(o map[string]any) {
				set(o, "DATABASE_URL", container("env", 0, "valueFrom", "secretKeyRef", "key")...)
			}, want: "must point at the primary eko-pg-rw directly"},
		{name: "migration Job without image", kind: "Job", obj: "eko-migrate",
			edit: func(o map[string]any) { del(o, container("image")...) }, want: "missing image"},
		{name: "migration Job from a function image", kind: "Job", obj: "eko-migrate",
			edit: func(o map[string]any) { set(o, "eko/registry", container("image")...) }, want: "runs from the all-in-one image"},
		{name: "Job that restarts forever", kind: "Job", obj: "eko-migrate",
			edit: func(o map[string]any) { set(o, "Always", "spec", "template", "spec", "restartPolicy") }, want: "restartPolicy must be Never or OnFailure"},

		// storage and Kubernetes objects
		{name: "StatefulSet with a misspelt field", kind: "StatefulSet", obj: "minio",
			edit: func(o map[string]any) { set(o, 1, "spec", "replica") }, want: `unknown field "spec.replica"`},
		{name: "StatefulSet selector that misses its pods", kind: "StatefulSet", obj: "minio",
			edit: func(o map[string]any) { set(o, "minio-2", "spec", "selector", "matchLabels", "app.kubernetes.io/name") }, want: "does not match the pod template's labels"},
		{name: "Service selecting nothing", kind: "Service", obj: "minio",
			edit: func(o map[string]any) { set(o, "mini0", "spec", "selector", "app.kubernetes.io/name") }, want: "matches no workload"},
		{name: "Service port to an unnamed container port", kind: "Service", obj: "minio",
			edit: func(o map[string]any) { set(o, "s4", "spec", "ports", 0, "targetPort") }, want: `targetPort "s4"`},
		{name: "wrong namespace", kind: "StatefulSet", obj: "minio",
			edit: func(o map[string]any) { set(o, "default", "metadata", "namespace") }, want: `namespace "default", want "eko"`},
		{name: "invalid label value", kind: "StatefulSet", obj: "minio",
			edit: func(o map[string]any) { set(o, "not valid!", "metadata", "labels", "app.kubernetes.io/part-of") }, want: "metadata.labels"},
		{name: "bad object name", kind: "Job", obj: "eko-minio-setup",
			edit: func(o map[string]any) { set(o, "Setup_Job", "metadata", "name") }, want: "metadata.name"},
		{name: "unknown kind", add: map[string]any{"apiVersion": "example.org/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "w", "namespace": "eko"}}, want: "no validator for example.org/v1 Widget"},

		// NetworkPolicies
		{name: "functions allowed to reach PostgreSQL directly", kind: "NetworkPolicy", obj: "functions-egress",
			edit: func(o map[string]any) {
				set(o, map[string]any{"cnpg.io/cluster": "eko-pg"}, "spec", "egress", 1, "to", 0, "podSelector", "matchLabels")
			}, want: "must not reach PostgreSQL directly"},
		{name: "functions allowed to reach every namespace", kind: "NetworkPolicy", obj: "functions-egress",
			edit: func(o map[string]any) { set(o, map[string]any{}, "spec", "egress", 0, "to", 0, "namespaceSelector") }, want: "may not reach every namespace"},
		{name: "PostgreSQL open to functions", kind: "NetworkPolicy", obj: "postgres-ingress",
			edit: func(o map[string]any) {
				set(o, map[string]any{"app.kubernetes.io/component": "function"}, "spec", "ingress", 0, "from", 1, "podSelector", "matchLabels")
			}, want: "must not accept function pods"},
		{name: "function pods without an ingress policy", kind: "NetworkPolicy", obj: "functions-ingress",
			edit: func(o map[string]any) {
				set(o, "nothing", "spec", "podSelector", "matchLabels", "app.kubernetes.io/component")
			}, want: "not covered by both an Ingress and an Egress NetworkPolicy"},
		{name: "NetworkPolicy with a misspelt field", kind: "NetworkPolicy", obj: "minio-ingress",
			edit: func(o map[string]any) { set(o, []any{}, "spec", "ingres") }, want: `unknown field "spec.ingres"`},
	}
	_, v := setup(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			overlay := c.overlay
			if overlay == "" {
				overlay = "overlays/dev"
			}
			docs := render(t, overlay)
			if c.add != nil {
				docs = append(docs, manifest.Doc{
					APIVersion: c.add["apiVersion"].(string), Kind: c.add["kind"].(string),
					Name: at(c.add, "metadata", "name").(string), Namespace: "eko", Obj: c.add,
				})
			} else {
				edit(t, docs, c.kind, c.obj, c.edit)
				for i := range docs { // keep the Doc's identity in step with its object
					docs[i].Name, _ = at(docs[i].Obj, "metadata", "name").(string)
				}
			}
			err := v.Check(overlay, docs)
			t.Log(err)
			mustContain(t, err, c.want)
		})
	}
}

// Every row of the routing table needs its Trigger: a route added to events/
// without `make manifests` fails.
func TestRouteWithoutTriggerFails(t *testing.T) {
	_, v := setup(t)
	extra := *v
	extra.Routes = append(append([]events.Route(nil), v.Routes...),
		events.Route{Type: "ru.kuzbass.eko.person.created.v1", Consumer: "outbox-relay", Path: "/api/outbox-relay/events"})
	mustContain(t, extra.Check("dev", render(t, "overlays/dev")), "has no Trigger (run `make manifests`)")
}
