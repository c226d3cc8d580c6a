-- One database and one login per SLRT service (each service owns its data).
-- Run once by the postgres image on an empty data directory. Passwords come from the
-- environment of the postgres container (see docker-compose.yml), read with psql's \getenv.

\getenv intake_password INTAKE_DB_PASSWORD
\getenv registry_password REGISTRY_DB_PASSWORD
\getenv referral_password REFERRAL_DB_PASSWORD
\getenv notification_password NOTIFICATION_DB_PASSWORD

CREATE ROLE intake LOGIN PASSWORD :'intake_password';
CREATE DATABASE intake OWNER intake;
REVOKE ALL ON DATABASE intake FROM PUBLIC;

CREATE ROLE registry LOGIN PASSWORD :'registry_password';
CREATE DATABASE registry OWNER registry;
REVOKE ALL ON DATABASE registry FROM PUBLIC;

CREATE ROLE referral LOGIN PASSWORD :'referral_password';
CREATE DATABASE referral OWNER referral;
REVOKE ALL ON DATABASE referral FROM PUBLIC;

CREATE ROLE notification LOGIN PASSWORD :'notification_password';
CREATE DATABASE notification OWNER notification;
REVOKE ALL ON DATABASE notification FROM PUBLIC;
