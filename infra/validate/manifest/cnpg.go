package manifest

import "k8s.io/apimachinery/pkg/apis/meta/v1"

// CloudNativePG kinds, without a Go dependency on the operator: the subset of
// postgresql.cnpg.io/v1 that EKO's manifests use, decoded strictly like every
// other kind, so a misspelt or unexpected field fails. A field the operator
// supports but EKO has not used yet must be added here first.

// CNPGCluster is postgresql.cnpg.io/v1 Cluster.
type CNPGCluster struct {
	v1.TypeMeta   `json:",inline"`
	v1.ObjectMeta `json:"metadata"`
	Spec          struct {
		Description           string         `json:"description,omitempty"`
		Instances             int            `json:"instances"`
		ImageName             string         `json:"imageName,omitempty"`
		PrimaryUpdateStrategy string         `json:"primaryUpdateStrategy,omitempty"`
		PrimaryUpdateMethod   string         `json:"primaryUpdateMethod,omitempty"`
		EnableSuperuserAccess *bool          `json:"enableSuperuserAccess,omitempty"`
		EnablePDB             *bool          `json:"enablePDB,omitempty"`
		Storage               *CNPGStorage   `json:"storage"`
		WalStorage            *CNPGStorage   `json:"walStorage,omitempty"`
		PostgreSQL            *CNPGPostgres  `json:"postgresql,omitempty"`
		Bootstrap             *CNPGBootstrap `json:"bootstrap"`
		Resources             map[string]any `json:"resources,omitempty"`
		Affinity              map[string]any `json:"affinity,omitempty"`
		Monitoring            map[string]any `json:"monitoring,omitempty"`
		Backup                map[string]any `json:"backup,omitempty"`
	} `json:"spec"`
}

// CNPGStorage is a Cluster's storage.
type CNPGStorage struct {
	Size               string `json:"size"`
	StorageClass       string `json:"storageClass,omitempty"`
	ResizeInUseVolumes *bool  `json:"resizeInUseVolumes,omitempty"`
}

// CNPGPostgres is a Cluster's postgresql section.
type CNPGPostgres struct {
	Parameters  map[string]string `json:"parameters,omitempty"`
	PgHBA       []string          `json:"pg_hba,omitempty"`
	Synchronous *struct {
		Method         string `json:"method"`
		Number         int    `json:"number"`
		DataDurability string `json:"dataDurability,omitempty"`
	} `json:"synchronous,omitempty"`
}

// CNPGBootstrap is a Cluster's bootstrap section.
type CNPGBootstrap struct {
	InitDB *struct {
		Database string `json:"database"`
		Owner    string `json:"owner"`
		Secret   *struct {
			Name string `json:"name"`
		} `json:"secret,omitempty"`
		Encoding      string `json:"encoding,omitempty"`
		LocaleCollate string `json:"localeCollate,omitempty"`
		LocaleCType   string `json:"localeCType,omitempty"`
	} `json:"initdb"`
}

// CNPGPooler is postgresql.cnpg.io/v1 Pooler.
type CNPGPooler struct {
	v1.TypeMeta   `json:",inline"`
	v1.ObjectMeta `json:"metadata"`
	Spec          struct {
		Cluster struct {
			Name string `json:"name"`
		} `json:"cluster"`
		Instances int    `json:"instances"`
		Type      string `json:"type"`
		PgBouncer struct {
			PoolMode   string            `json:"poolMode"`
			Parameters map[string]string `json:"parameters,omitempty"`
			Paused     *bool             `json:"paused,omitempty"`
		} `json:"pgbouncer"`
		Template           map[string]any `json:"template,omitempty"`
		Monitoring         map[string]any `json:"monitoring,omitempty"`
		DeploymentStrategy map[string]any `json:"deploymentStrategy,omitempty"`
		ServiceTemplate    map[string]any `json:"serviceTemplate,omitempty"`
	} `json:"spec"`
}
