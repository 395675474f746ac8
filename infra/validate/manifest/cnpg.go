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
		Backup                *CNPGBackup    `json:"backup,omitempty"`
		ExternalClusters      []struct {
			Name              string           `json:"name"`
			BarmanObjectStore *CNPGObjectStore `json:"barmanObjectStore,omitempty"`
		} `json:"externalClusters,omitempty"`
	} `json:"spec"`
}

// CNPGBackup is a Cluster's backup section: base backups and WAL archived
// to an object store by barman-cloud, kept for the retention policy.
type CNPGBackup struct {
	RetentionPolicy   string           `json:"retentionPolicy,omitempty"`
	Target            string           `json:"target,omitempty"`
	BarmanObjectStore *CNPGObjectStore `json:"barmanObjectStore,omitempty"`
}

// CNPGObjectStore is where barman-cloud keeps base backups and WAL.
type CNPGObjectStore struct {
	DestinationPath string `json:"destinationPath"`
	EndpointURL     string `json:"endpointURL,omitempty"`
	ServerName      string `json:"serverName,omitempty"`
	S3Credentials   *struct {
		AccessKeyID     CNPGSecretKey `json:"accessKeyId"`
		SecretAccessKey CNPGSecretKey `json:"secretAccessKey"`
	} `json:"s3Credentials,omitempty"`
	Wal *struct {
		Compression string `json:"compression,omitempty"`
		MaxParallel int    `json:"maxParallel,omitempty"`
	} `json:"wal,omitempty"`
	Data *struct {
		Compression string `json:"compression,omitempty"`
		Jobs        int    `json:"jobs,omitempty"`
	} `json:"data,omitempty"`
}

// CNPGSecretKey names a key of a Secret.
type CNPGSecretKey struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// CNPGScheduledBackup is postgresql.cnpg.io/v1 ScheduledBackup.
type CNPGScheduledBackup struct {
	v1.TypeMeta   `json:",inline"`
	v1.ObjectMeta `json:"metadata"`
	Spec          struct {
		Schedule string `json:"schedule"`
		Cluster  struct {
			Name string `json:"name"`
		} `json:"cluster"`
		BackupOwnerReference string `json:"backupOwnerReference,omitempty"`
		Immediate            *bool  `json:"immediate,omitempty"`
		Suspend              *bool  `json:"suspend,omitempty"`
		Method               string `json:"method,omitempty"`
		Target               string `json:"target,omitempty"`
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

// CNPGBootstrap is a Cluster's bootstrap section: a new database (initdb),
// or one recovered from a backup up to a target (recovery).
type CNPGBootstrap struct {
	Recovery *struct {
		Source         string `json:"source"`
		Database       string `json:"database,omitempty"`
		Owner          string `json:"owner,omitempty"`
		RecoveryTarget *struct {
			TargetTime string `json:"targetTime,omitempty"`
		} `json:"recoveryTarget,omitempty"`
	} `json:"recovery,omitempty"`
	InitDB *struct {
		Database string `json:"database"`
		Owner    string `json:"owner"`
		Secret   *struct {
			Name string `json:"name"`
		} `json:"secret,omitempty"`
		Encoding      string `json:"encoding,omitempty"`
		LocaleCollate string `json:"localeCollate,omitempty"`
		LocaleCType   string `json:"localeCType,omitempty"`
	} `json:"initdb,omitempty"`
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
