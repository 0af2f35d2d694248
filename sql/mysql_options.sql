-- federated_mysql: options of servers, user mappings, tables and columns,
-- checked by the shared table-driven validator (src/fdw/fdw_option.c)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
\getenv mysql_port PG_INFER_MYSQL_PORT

CREATE SERVER regress_opt FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname 'pg_infer_test',
           connect_timeout '5', read_timeout '30', write_timeout '30',
           fetch_size '500', batch_size '50', zero_date 'error',
           ssl_mode 'disabled', use_remote_estimate 'false');

-- unknown names: the closest valid name, the object it belongs on, or the list
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (hots 'x');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (prot '1');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (password 'x');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (colour 'blue');
ALTER FOREIGN DATA WRAPPER federated_mysql OPTIONS (host 'x');

-- bad values name the option and the wrapper
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (port '0');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (port '3306x');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (port '99999999999999999999');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (ssl_mode 'sometimes');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (use_remote_estimate 'perhaps');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER federated_mysql OPTIONS (host '');
ALTER SERVER regress_opt OPTIONS (SET zero_date 'zero');
-- enum values are case-insensitive
ALTER SERVER regress_opt OPTIONS (SET zero_date 'NULL', SET ssl_mode 'Preferred');

-- user mappings: a bad password value is never quoted
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opt
  OPTIONS (username 'regress_app', pasword 'hunter2');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opt
  OPTIONS (username 'regress_app', password '');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_opt
  OPTIONS (username 'regress_app', password 'hunter2', password_required 'false');
SELECT umoptions FROM pg_user_mappings WHERE srvname = 'regress_opt';

-- superuser-only options
CREATE ROLE regress_opt_user;
GRANT USAGE ON FOREIGN DATA WRAPPER federated_mysql TO regress_opt_user;
GRANT USAGE ON FOREIGN SERVER regress_opt TO regress_opt_user;
SET ROLE regress_opt_user;
CREATE SERVER regress_user_srv FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (ssl_ca '/etc/ssl/certs/ca-certificates.crt');
CREATE USER MAPPING FOR regress_opt_user SERVER regress_opt
  OPTIONS (username 'x', password 'y', password_required 'false');
CREATE USER MAPPING FOR regress_opt_user SERVER regress_opt
  OPTIONS (username 'x', password 'y');
RESET ROLE;

-- tables and columns
CREATE FOREIGN TABLE regress_ft (id int OPTIONS (column_name 'ID'), v text)
  SERVER regress_opt OPTIONS (dbname 'pg_infer_test', table_name 'things');
CREATE FOREIGN TABLE regress_bad (id int) SERVER regress_opt OPTIONS (tablename 'things');
CREATE FOREIGN TABLE regress_bad (id int OPTIONS (colname 'ID')) SERVER regress_opt;
CREATE FOREIGN TABLE regress_bad (id int) SERVER regress_opt
  OPTIONS (query 'SELECT 1 AS id', table_name 'things');
CREATE FOREIGN TABLE regress_q (id int) SERVER regress_opt
  OPTIONS (query 'SELECT 1 AS id', fetch_size '10');
ALTER FOREIGN TABLE regress_q OPTIONS (ADD batch_size '0');
ALTER FOREIGN TABLE regress_q OPTIONS (ADD host 'x');

DROP FOREIGN TABLE regress_ft, regress_q;
DROP USER MAPPING FOR regress_opt_user SERVER regress_opt;
DROP USER MAPPING FOR CURRENT_USER SERVER regress_opt;
DROP SERVER regress_opt;
REVOKE USAGE ON FOREIGN DATA WRAPPER federated_mysql FROM regress_opt_user;
DROP ROLE regress_opt_user;
