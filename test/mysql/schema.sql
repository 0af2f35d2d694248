-- The MariaDB side of the federated_mysql regression tests, loaded by
-- test/services.sh into the test database (utf8mb4, case-insensitive
-- collation by default, as most MySQL servers run).
SET sql_mode = '';

CREATE TABLE things (id int PRIMARY KEY, v varchar(20));
INSERT INTO things VALUES (1, 'one'), (2, 'two');

-- every type the wrapper maps
CREATE TABLE types (
  id int PRIMARY KEY,
  i8 tinyint, u8 tinyint unsigned, flag tinyint(1),
  i16 smallint, u16 smallint unsigned, i24 mediumint, u24 mediumint unsigned,
  i32 int, u32 int unsigned, i64 bigint, u64 bigint unsigned,
  d decimal(30,10), f float, g double,
  b bit(10), y year,
  dt date, ts datetime(6), tz timestamp NULL, t time,
  c char(5), vc varchar(100), tx text, lt longtext,
  bin varbinary(16), bl blob,
  e enum('small','medium','large'), s set('red','green','blue'),
  j json
) DEFAULT CHARSET = utf8mb4;
INSERT INTO types VALUES
 (1, -128, 255, 1, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615,
  12345678901234567890.0123456789, 1.5, 2.718281828459045,
  b'1010101010', 2024,
  '2024-02-29', '2024-02-29 12:34:56.789012', '2024-02-29 23:00:00', '12:34:56',
  'ab', 'héllo wörld 😀', 'naïve text', repeat('x', 70000),
  x'00FF10', x'DEADBEEF00',
  'medium', 'red,blue', '{"a": [1, 2, {"b": null}], "emoji": "😀"}'),
 (2, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  -0.0000000001, NULL, NULL, b'0', NULL,
  '0000-00-00', '0000-00-00 00:00:00', NULL, NULL,
  '', '', NULL, NULL, x'', NULL, 'small', '', NULL),
 (3, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'1', 1901,
  '2023-00-10', '1000-01-01 00:00:00', NULL, '-838:59:59',
  'x', 'line1
line2	tab', 'quote '' and backslash \\', NULL, NULL, NULL, NULL, '', NULL);

-- TPC-H-like orders, for the pushdown tests
CREATE TABLE orders (
  o_orderkey int PRIMARY KEY,
  o_custkey int NOT NULL,
  o_orderstatus char(1) NOT NULL,
  o_totalprice decimal(15,2) NOT NULL,
  o_orderdate date NOT NULL,
  o_orderpriority varchar(15) NOT NULL,
  o_comment varchar(79) NOT NULL,
  KEY (o_orderdate), KEY (o_custkey)
);
INSERT INTO orders
SELECT seq, 1 + seq % 97, ELT(1 + seq % 3, 'F', 'O', 'P'),
       ROUND(1000 + (seq * 7919) % 100000 / 1.7, 2),
       DATE '2024-01-01' + INTERVAL (seq % 60) DAY,
       ELT(1 + seq % 5, '1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'),
       CONCAT('comment ', seq, IF(seq % 10 = 0, ' Special', ''))
FROM seq_1_to_3000;

CREATE TABLE customers (
  c_custkey int PRIMARY KEY,
  c_name varchar(25) NOT NULL,
  c_nation varchar(10)
);
INSERT INTO customers SELECT seq, CONCAT('Customer#', seq), ELT(1 + seq % 4, 'FRANCE', 'france', 'GERMANY', NULL)
FROM seq_1_to_100;

-- written by mysql_write
CREATE TABLE wtest (
  id int PRIMARY KEY,
  v varchar(20) NOT NULL,
  n decimal(10,2) CHECK (n >= 0),
  d date,
  UNIQUE KEY (v)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE wparent (id int PRIMARY KEY) ENGINE = InnoDB;
CREATE TABLE wchild (id int PRIMARY KEY, parent int NOT NULL,
  FOREIGN KEY (parent) REFERENCES wparent (id)) ENGINE = InnoDB;

-- for the ORDER BY, LIMIT, HAVING and join pushdown tests: NULLs, zero
-- dates of several kinds, and text that collations order differently
CREATE TABLE events (
  id int PRIMARY KEY,
  day date NULL,
  at datetime NULL,
  n int NULL,
  amount decimal(10,2) NULL,
  label varchar(20) NULL,
  KEY (day)
) DEFAULT CHARSET = utf8mb4;
INSERT INTO events VALUES
 (1, '2024-01-01', '2024-01-01 10:00:00', 5, 1.50, 'apple'),
 (2, '2024-01-01', '2024-01-01 09:00:00', NULL, 2.00, 'Apple'),
 (3, '0000-00-00', '0000-00-00 00:00:00', 3, NULL, 'apple '),
 (4, '2024-00-05', '2024-01-00 12:00:00', 3, 4.25, CONCAT('apple', CHAR(9))),
 (5, NULL, NULL, 7, 0.10, 'banana'),
 (6, '2023-12-31', '2023-12-31 23:59:59', 7, -3.00, 'B'),
 (7, '2024-02-29', '2024-02-29 00:00:00', -1, 99.99, 'é'),
 (8, '2024-02-29', NULL, 0, 5.00, '😀'),
 (9, '2024-03-00', '2024-03-01 00:00:00', NULL, NULL, ''),
 (10, NULL, '2024-01-01 10:00:00', 5, 7.77, NULL),
 (11, '2023-12-31', '2023-12-31 00:00:00', 2, 1.00, 'z'),
 (12, '2024-01-02', '2024-01-02 00:00:00', 5, 3.30, 'Z');

-- one customer's visits to events, for the join tests
CREATE TABLE visits (
  vid int PRIMARY KEY,
  event_id int NULL,
  day date NULL,
  note varchar(20) NULL
) DEFAULT CHARSET = utf8mb4;
INSERT INTO visits VALUES
 (100, 1, '2024-01-01', 'first'), (101, 1, '2024-01-02', 'again'),
 (102, 3, '0000-00-00', 'zero day'), (103, 5, NULL, 'no day'),
 (104, 7, '2024-02-29', 'leap'), (105, 99, '2024-01-01', 'orphan'),
 (106, NULL, '2023-12-31', 'nobody'), (107, 12, '2024-01-02', 'last'),
 (108, 6, NULL, 'say "hi" \\ bye');

-- exact statistics for the use_remote_estimate tests
ANALYZE TABLE orders, customers, events, visits;
