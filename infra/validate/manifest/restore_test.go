package manifest_test

import (
	"testing"
	"time"

	"github.com/kuzbass/eko/infra/validate/manifest"
)

// TestRestoreClusterAgreesWithBackups: the disaster-recovery Cluster of
// infra/k8s/restore decodes strictly, recovers from an external cluster
// that reads exactly the object store the production Cluster backs up to
// (the same path, endpoint, server name and credentials), to a targetTime
// in RFC 3339.
func TestRestoreClusterAgreesWithBackups(t *testing.T) {
	var prod, restored *manifest.CNPGCluster
	for _, d := range render(t, "overlays/prod") {
		if d.Kind == "Cluster" {
			o, err := manifest.Decode(d)
			if err != nil {
				t.Fatal(err)
			}
			prod = o.(*manifest.CNPGCluster)
		}
	}
	for _, d := range render(t, "restore") {
		o, err := manifest.Decode(d)
		if err != nil {
			t.Fatalf("%s: %v", d.ID(), err)
		}
		if c, ok := o.(*manifest.CNPGCluster); ok {
			restored = c
		}
	}
	if prod == nil || restored == nil || prod.Spec.Backup == nil || prod.Spec.Backup.BarmanObjectStore == nil {
		t.Fatalf("the production cluster with its backups and the restore cluster: %v %v", prod, restored)
	}
	rec := restored.Spec.Bootstrap.Recovery
	if rec == nil || rec.RecoveryTarget == nil || restored.Spec.Bootstrap.InitDB != nil {
		t.Fatal("the restore cluster must bootstrap by recovery to a target, not initdb")
	}
	if _, err := time.Parse(time.RFC3339, rec.RecoveryTarget.TargetTime); err != nil {
		t.Errorf("targetTime: %v", err)
	}
	if restored.Name == prod.Name {
		t.Errorf("the restore cluster must not be named %s: it is checked before it replaces the cluster", prod.Name)
	}
	var source *manifest.CNPGObjectStore
	for _, e := range restored.Spec.ExternalClusters {
		if e.Name == rec.Source {
			source = e.BarmanObjectStore
		}
	}
	if source == nil {
		t.Fatalf("recovery source %q is not an external cluster with an object store", rec.Source)
	}
	want := prod.Spec.Backup.BarmanObjectStore
	if source.DestinationPath != want.DestinationPath || source.EndpointURL != want.EndpointURL || source.ServerName != prod.Name ||
		source.S3Credentials == nil || *source.S3Credentials != *want.S3Credentials {
		t.Errorf("the restore reads %+v, the cluster backs up to %+v as %s", source, want, prod.Name)
	}
}
