-- The MariaDB side of the federated_mysql regression tests (loaded by
-- test/services.sh into the test database)
CREATE TABLE things (id int PRIMARY KEY, v varchar(20));
INSERT INTO things VALUES (1, 'one'), (2, 'two');
