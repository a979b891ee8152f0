{#- Where the raw events are read from: the declared source table, or, on
    DuckDB, files matched by var ai_adoption_source_path. The source() call
    always happens so that lineage and freshness keep pointing at the source. -#}
{% macro ai_adoption_source_relation() %}
    {%- set declared = source('ai_events', 'events') -%}
    {%- set path = var('ai_adoption_source_path') -%}
    {%- if ai_adoption_sources() -%}
        {%- if path -%}
            {{ exceptions.raise_compiler_error(
                "vars ai_adoption_sources and ai_adoption_source_path are both set: list the files "
                ~ "as a source of ai_adoption_sources ({name: ..., path: '" ~ path ~ "'}) instead."
            ) }}
        {%- endif -%}
        {{ return(ref('base_ai_events__sources_unioned')) }}
    {%- endif -%}
    {%- if path -%}
        {{ return(adapter.dispatch('ai_adoption_read_files', 'ai_adoption')(path)) }}
    {%- endif -%}
    {{ return(declared) }}
{% endmacro %}


{#- var ai_adoption_sources, checked: the raw events of several tables or
    file sets at once, each {name, table, schema, database} or {name, path}
    (schema and database default to the declared source's vars; a path is
    read as ai_adoption_source_path is, on DuckDB only). Empty (the default)
    when the events are the one declared source. -#}
{% macro ai_adoption_sources() %}
    {%- set sources = var('ai_adoption_sources') -%}
    {%- if sources is string or sources is mapping or sources is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_sources must be a list of sources, such as "
            ~ "[{name: web, table: web_events}, {name: mobile, table: app_events}]; got " ~ sources ~ "."
        ) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for entry in sources -%}
        {%- set where = "var ai_adoption_sources, source " ~ loop.index ~ ": " -%}
        {%- do ai_adoption_check_source_entry(entry, where, ['name']) -%}
        {%- set name = entry.get('name') -%}
        {%- if name is not string or not name or name != name.strip() -%}
            {{ exceptions.raise_compiler_error(where ~ "its name must be a non-empty text without surrounding spaces; got '" ~ name ~ "'.") }}
        {%- elif name in names -%}
            {{ exceptions.raise_compiler_error(where ~ "the name '" ~ name ~ "' is given twice; each source needs its own.") }}
        {%- endif -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(sources | list) }}
{% endmacro %}


{#- One relation given by a var: a mapping with either a table (schema and
    database default to the declared source's) or a path, and no other keys
    than those and `extra_keys`; stops the build with `where` and the fault. -#}
{% macro ai_adoption_check_source_entry(entry, where, extra_keys=[]) %}
    {%- if entry is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ "'" ~ entry ~ "' is not a mapping such as {table: web_events}.") }}
    {%- endif -%}
    {%- set keys = extra_keys + ['table', 'schema', 'database', 'path'] -%}
    {%- set unknown = entry.keys() | reject('in', keys) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error(where ~ "unknown key(s) " ~ (unknown | join(', ')) ~ "; the keys are " ~ (keys | join(', ')) ~ ".") }}
    {%- endif -%}
    {%- if ('table' in entry) == ('path' in entry) -%}
        {{ exceptions.raise_compiler_error(where ~ "'" ~ entry.get('name', entry) ~ "' must have either a table or a path.") }}
    {%- endif -%}
{% endmacro %}


{#- The relation (or file scan) of var ai_adoption_activity_source, the
    product activity, checked; none when the var is not set. -#}
{% macro ai_adoption_activity_relation() %}
    {%- set entry = var('ai_adoption_activity_source') -%}
    {%- if entry is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do ai_adoption_check_source_entry(entry, 'var ai_adoption_activity_source: ') -%}
    {{ return(ai_adoption_listed_source_relation(entry)) }}
{% endmacro %}


{#- The relation (or, on DuckDB, the file scan) of one source of
    ai_adoption_sources. -#}
{% macro ai_adoption_listed_source_relation(entry) %}
    {%- if 'path' in entry -%}
        {{ return(adapter.dispatch('ai_adoption_read_files', 'ai_adoption')(entry['path'])) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=entry.get('database', var('ai_adoption_source_database')),
        schema=entry.get('schema', var('ai_adoption_source_schema')),
        identifier=entry['table'],
        type='table'
    )) }}
{% endmacro %}


{#- The source a row came from, as text: the raw relation's own
    `source_relation` column (the listed sources' union gives it, and so
    does a table a team unioned itself), else `events`, the declared
    source's name. `prefix` is the column's prefix in the reading query. -#}
{% macro ai_adoption_source_relation_text(present, prefix='') %}
    {%- if 'source_relation' in present -%}
        {{ return('nullif(trim(cast(' ~ prefix ~ 'source_relation as ' ~ ai_adoption_type('string') ~ ")), '')") }}
    {%- endif -%}
    {{ return("cast('events' as " ~ ai_adoption_type('string') ~ ')') }}
{% endmacro %}


{#- Adapters: the select-list item that passes the raw relation's
    `source_relation` on, where it has one (else nothing). -#}
{% macro ai_adoption_pass_source_relation(present) %}
    {{ return(',\n        source_relation' if 'source_relation' in present else '') }}
{% endmacro %}


{#- The shapes the raw events may have (var ai_adoption_source_format): the
    package's own input contract, or a tracker's export that an adapter base
    model reshapes into it. -#}
{% macro ai_adoption_source_formats() %}
    {{ return(['contract', 'posthog', 'segment', 'amplitude', 'opentelemetry']) }}
{% endmacro %}


{#- var ai_adoption_source_format, checked against the known formats. -#}
{% macro ai_adoption_source_format() %}
    {%- set format = var('ai_adoption_source_format') -%}
    {%- if format not in ai_adoption_source_formats() -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_source_format is '" ~ format ~ "'; it must be one of "
            ~ (ai_adoption_source_formats() | join(', ')) ~ "."
        ) }}
    {%- endif -%}
    {{ return(format) }}
{% endmacro %}


{#- The raw events in the contract's shape: the raw relation itself, or the
    adapter base model that reshapes a tracker's export into the contract,
    one contract row per source row. -#}
{% macro ai_adoption_contract_relation() %}
    {%- set format = ai_adoption_source_format() -%}
    {%- if format == 'posthog' -%}
        {{ return(ref('base_ai_events__from_posthog')) }}
    {%- elif format == 'segment' -%}
        {{ return(ref('base_ai_events__from_segment')) }}
    {%- elif format == 'amplitude' -%}
        {{ return(ref('base_ai_events__from_amplitude')) }}
    {%- elif format == 'opentelemetry' -%}
        {{ return(ref('base_ai_events__from_opentelemetry')) }}
    {%- endif -%}
    {{ return(ai_adoption_source_relation()) }}
{% endmacro %}


{% macro default__ai_adoption_read_files(path) %}
    {{ exceptions.raise_compiler_error(
        "var ai_adoption_source_path is set to '" ~ path ~ "', but reading files is only "
        ~ "supported on DuckDB. On " ~ target.type ~ ", load the events into a table and set "
        ~ "ai_adoption_source_schema / ai_adoption_source_table instead."
    ) }}
{% endmacro %}


{% macro duckdb__ai_adoption_read_files(path) %}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv') -%}
        {{ return(
            "read_csv(" ~ ai_adoption_literal(path) ~ ", union_by_name = true, all_varchar = true, header = true, encoding = "
            ~ ai_adoption_literal(ai_adoption_source_encoding()) ~ ")"
        ) }}
    {%- elif lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        {{ return(ai_adoption_read_parquet_files(path)) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_source_path must end in .parquet, .pq, .csv, .csv.gz or .tsv "
            ~ "(a file or a glob such as 'exports/*.parquet'); got '" ~ path ~ "'."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- var ai_adoption_source_encoding, checked: the text encoding of CSV
    files, one of those DuckDB reads without an extension. -#}
{% macro ai_adoption_source_encoding() %}
    {%- set encoding = var('ai_adoption_source_encoding') -%}
    {%- set known = ['utf-8', 'utf-16', 'latin-1'] -%}
    {%- if encoding is not string or encoding | lower not in known -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_source_encoding is '" ~ encoding ~ "'; it must be one of "
            ~ (known | join(', ')) ~ " (the encoding the CSV files are written in)."
        ) }}
    {%- endif -%}
    {{ return(encoding | lower) }}
{% endmacro %}


{#- Parquet files (DuckDB) as one relation, read so that no value changes on
    the way in: when the files disagree on a column's type (one writes an id
    as BIGINT, another as DOUBLE), that column is written out as text in
    every file, as the several-sources union does, instead of letting the
    scan widen it to a type that rewrites it (101 -> 101.0, or past 2^53 to a
    neighbouring number). An id column stored as a floating-point number is
    read as the integer it holds, or null where the number cannot be an
    exact id (a fraction, or 2^53 and beyond, where neighbouring ids share
    one double). A nested `properties` column (a STRUCT or MAP) is read as
    the JSON object it is. Files that need none of this are one plain scan. -#}
{% macro ai_adoption_read_parquet_files(path) %}
    {%- set scan = "read_parquet(" ~ ai_adoption_literal(path) ~ ", union_by_name = true)" -%}
    {%- if not execute -%}
        {{ return(scan) }}
    {%- endif -%}
    {%- set files = ai_adoption_parquet_column_types(path) -%}
    {#- lower-cased column name -> the distinct types the files give it -#}
    {%- set seen = {} -%}
    {%- for columns in files.values() -%}
        {%- for name, column in columns.items() -%}
            {%- if column.kind not in seen.get(name, []) -%}
                {%- do seen.update({name: seen.get(name, []) + [column.kind]}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set ids = ai_adoption_id_columns() -%}
    {#- one scan per set of files that needs the same rewrites -#}
    {%- set groups = {} -%}
    {%- set order = [] -%}
    {%- for file, columns in files.items() -%}
        {%- set rewrites = [] -%}
        {%- for name, column in columns.items() -%}
            {%- set quoted = adapter.quote(column.spelling) -%}
            {%- if name in ids and column.kind == 'float' -%}
                {%- do rewrites.append(ai_adoption_exact_id_text(quoted) ~ ' as ' ~ quoted) -%}
            {%- elif column.kind == 'nested' and (name == 'properties' or seen[name] | length > 1) -%}
                {%- do rewrites.append('cast(to_json(' ~ quoted ~ ') as varchar) as ' ~ quoted) -%}
            {%- elif seen[name] | length > 1 or (name in ids and 'float' in seen[name]) -%}
                {%- do rewrites.append('cast(' ~ quoted ~ ' as varchar) as ' ~ quoted) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set key = rewrites | join(', ') -%}
        {%- if key not in groups -%}
            {%- do groups.update({key: []}) -%}
            {%- do order.append(key) -%}
        {%- endif -%}
        {%- do groups[key].append(ai_adoption_literal(file)) -%}
    {%- endfor -%}
    {%- if order == [''] or not order -%}
        {{ return(scan) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for key in order -%}
        {%- do parts.append(
            'select *' ~ (' replace (' ~ key ~ ')' if key else '')
            ~ ' from read_parquet([' ~ (groups[key] | join(', ')) ~ '], union_by_name = true)'
        ) -%}
    {%- endfor -%}
    {{ return('(' ~ (parts | join(' union all by name ')) ~ ')') }}
{% endmacro %}


{#- File -> lower-cased top-level column -> {spelling, kind} of the Parquet
    files matched by `path`, from their footers (one query): kind is
    `nested` for a group (STRUCT, MAP, LIST), `float` for a FLOAT or DOUBLE,
    else the column's physical and logical type. -#}
{% macro ai_adoption_parquet_column_types(path) %}
    {%- set result = run_query(
        "select file_name, name, type, converted_type, logical_type, num_children from parquet_schema("
        ~ ai_adoption_literal(path) ~ ")"
    ) -%}
    {%- set files = {} -%}
    {#- the schema is a tree written depth first: a stack of the children
        still to come at each level finds the top-level columns -#}
    {%- set stack = [] -%}
    {%- for row in result.rows -%}
        {%- if row['file_name'] not in files -%}
            {%- do files.update({row['file_name']: {}}) -%}
            {%- do stack.clear() -%}
            {%- do stack.append(row['num_children'] or 0) -%}
        {%- else -%}
            {%- if stack | length == 1 -%}
                {%- if row['num_children'] -%}
                    {%- set kind = 'nested' -%}
                {%- elif row['type'] in ['DOUBLE', 'FLOAT'] -%}
                    {%- set kind = 'float' -%}
                {%- else -%}
                    {%- set kind = row['type'] ~ '|' ~ row['converted_type'] ~ '|' ~ row['logical_type'] -%}
                {%- endif -%}
                {%- do files[row['file_name']].update({row['name'] | lower: {'spelling': row['name'], 'kind': kind}}) -%}
            {%- endif -%}
            {%- do stack.append(stack.pop() - 1) -%}
            {%- if row['num_children'] -%}
                {%- do stack.append(row['num_children']) -%}
            {%- endif -%}
            {%- for _ in range(stack | length) -%}
                {%- if stack | length > 1 and stack[-1] == 0 -%}
                    {%- do stack.pop() -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(files) }}
{% endmacro %}


{#- An id held as a floating-point number, as the text of the integer it is
    (SQL, every engine): null for a fraction, a non-finite value, or a
    magnitude of 2^53 or more, where a double cannot tell neighbouring
    integers apart. The magnitude is tested first: Spark's floor() gives a
    BIGINT, which a larger double would overflow. -#}
{% macro ai_adoption_exact_id_text(column) %}
    {{ return(
        'case when abs(' ~ column ~ ') < 9007199254740992 and ' ~ column ~ ' = floor(' ~ column ~ ') then cast(cast('
        ~ column ~ ' as ' ~ ai_adoption_type('integer') ~ ') as ' ~ ai_adoption_type('string') ~ ') end'
    ) }}
{% endmacro %}


{#- True for a column type that holds floating-point numbers (as the
    engines describe them). -#}
{% macro ai_adoption_is_float_type(data_type) %}
    {{ return(data_type in ['double', 'double precision', 'float', 'float4', 'float8', 'real']) }}
{% endmacro %}


{#- The contract's id columns (text columns named *_id). -#}
{% macro ai_adoption_id_columns() %}
    {%- set ids = [] -%}
    {%- for name in ai_adoption_required_columns() + (ai_adoption_optional_columns().keys() | list) -%}
        {%- if name.endswith('_id') -%}
            {%- do ids.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(ids) }}
{% endmacro %}


{#- Lower-cased name -> lower-cased data type of every column the raw events
    actually have, in the source's order. Empty while dbt parses (nothing is
    queried then). Fails with a clear message when the source cannot be read
    or lacks a required column. -#}
{% macro ai_adoption_source_column_types() %}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set relation = ai_adoption_contract_relation() -%}
    {%- set types = adapter.dispatch('ai_adoption_describe_source', 'ai_adoption')(relation) -%}
    {%- set missing = [] -%}
    {%- for required in ai_adoption_required_columns() -%}
        {%- if required not in types -%}
            {%- do missing.append(required) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {#- a CSV whose lines do not all have its header's fields cannot be
            told apart from one without a header: say which line is at fault -#}
        {%- set path = var('ai_adoption_source_path') -%}
        {%- set lowered = (path or '') | lower -%}
        {#- (a path is read on DuckDB only: ai_adoption_read_files) -#}
        {%- if lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv') -%}
            {%- set fault = ai_adoption_csv_field_count_fault(path, '\t' if lowered.endswith('.tsv') else ',') -%}
            {%- if fault -%}
                {{ exceptions.raise_compiler_error(fault) }}
            {%- endif -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "The raw events at " ~ relation ~ " lack the required column(s) "
            ~ (missing | join(', ')) ~ ". Required: "
            ~ (ai_adoption_required_columns() | join(', '))
            ~ ". Rename them in a view over your table, or see the README section "
            ~ "'Point it at your own events'."
        ) }}
    {%- endif -%}
    {{ return(types) }}
{% endmacro %}

{#- DuckDB, CSV files: a message naming the first lines (up to three) whose
    number of fields differs from their file's header, or '' when every
    line matches. Fields are counted by the delimiter outside double
    quotes. Run only when the files cannot be read as the contract. -#}
{% macro ai_adoption_csv_field_count_fault(path, delimiter) %}
    {%- set counted_fields -%}
        length(regexp_replace(line, '"[^"]*"', '', 'g'))
        - length(replace(regexp_replace(line, '"[^"]*"', '', 'g'), {{ ai_adoption_literal(delimiter) }}, '')) + 1
    {%- endset -%}
    {%- set query -%}
        with lines as (
            select filename, row_number() over (partition by filename) as line_number, line
            from read_csv(
                {{ ai_adoption_literal(path) }}, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '',
                escape = '', header = false, auto_detect = false, filename = true,
                encoding = {{ ai_adoption_literal(ai_adoption_source_encoding()) }}
            )
        ),
        counted as (
            select filename, line_number, {{ counted_fields }} as fields
            from lines
            where nullif(trim(line), '') is not null
        )
        select counted.filename, counted.line_number, counted.fields, header.fields as header_fields
        from counted
        inner join counted as header on header.filename = counted.filename and header.line_number = 1
        where counted.fields != header.fields
        order by 1, 2
        limit 3
    {%- endset -%}
    {%- set faults = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do faults.append(
            "line " ~ row['line_number'] ~ " of " ~ row['filename'] ~ " has " ~ row['fields']
            ~ " field(s) where its header has " ~ row['header_fields']
        ) -%}
    {%- endfor -%}
    {%- if not faults -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(
        "The CSV files at '" ~ path ~ "' cannot be read: " ~ (faults | join('; '))
        ~ ". Every line needs as many fields as the header (a field holding the delimiter must be "
        ~ "quoted); fix or remove those lines."
    ) }}
{% endmacro %}


{#- Warehouse tables: the adapter's own description. A relation it cannot
    describe gives names only (every column is then read as text). -#}
{% macro default__ai_adoption_describe_source(relation) %}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do types.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
    {%- if not types -%}
        {%- set result = run_query('select * from ' ~ relation ~ ' where 1 = 0') -%}
        {%- for name in result.column_names -%}
            {%- do types.update({name | lower: ''}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{% endmacro %}

{#- DuckDB: DESCRIBE works on tables and on file scans alike. -#}
{% macro duckdb__ai_adoption_describe_source(relation) %}
    {%- set result = run_query('describe select * from ' ~ relation) -%}
    {%- set types = {} -%}
    {%- for row in result.rows -%}
        {%- do types.update({row['column_name'] | lower: row['column_type'] | lower}) -%}
    {%- endfor -%}
    {{ return(types) }}
{% endmacro %}


{#- Lower-cased names of the columns the raw events actually have (see
    ai_adoption_source_column_types). -#}
{% macro ai_adoption_source_columns() %}
    {{ return(ai_adoption_source_column_types().keys() | list) }}
{% endmacro %}


{#- True when a source column of `data_type` already holds the contract's
    `kind` exactly, so that its values are used as they are instead of being
    written out as text and parsed back. Single-precision floats and
    timestamps with a time zone are not: their text is what the contract
    reads. -#}
{% macro ai_adoption_is_native_type(kind, data_type) %}
    {%- set native = {
        'integer': ['bigint', 'integer', 'int', 'smallint', 'tinyint', 'int8', 'int4', 'int2'],
        'double': ['double', 'double precision', 'float8'],
        'timestamp': ['timestamp', 'timestamp without time zone', 'timestamp_ntz'],
    } -%}
    {{ return(data_type in native.get(kind, [])) }}
{% endmacro %}


{#- The text of `properties` when it is valid JSON, else null (SQL). -#}
{% macro ai_adoption_properties_json(column, has_properties) %}
    {%- set text_type = ai_adoption_type('string') -%}
    {%- if has_properties -%}
        {{ return(
            'case when ' ~ ai_adoption_json_is_valid('cast(' ~ column ~ ' as ' ~ text_type ~ ')')
            ~ ' then cast(' ~ column ~ ' as ' ~ text_type ~ ') end'
        ) }}
    {%- endif -%}
    {{ return('cast(null as ' ~ text_type ~ ')') }}
{% endmacro %}


{#- A contract column as it arrived, as text (SQL): the source column, or,
    where it is missing or null, the key of the same name in `properties`
    (held valid-or-null in `properties_json`). Required columns are never
    read from `properties`. `prefix` is put before the source column's name. -#}
{% macro ai_adoption_source_text(name, present, properties_json=none, prefix='') %}
    {%- set text_type = ai_adoption_type('string') -%}
    {%- set column = 'cast(' ~ prefix ~ name ~ ' as ' ~ text_type ~ ')' -%}
    {%- set from_properties = ai_adoption_json_get(properties_json, name) if properties_json else none -%}
    {%- if name in ai_adoption_required_columns() or (name in present and not from_properties) -%}
        {{ return(column) }}
    {%- elif name in present -%}
        {{ return('coalesce(' ~ column ~ ', ' ~ from_properties ~ ')') }}
    {%- elif from_properties -%}
        {{ return(from_properties) }}
    {%- endif -%}
    {{ return('cast(null as ' ~ text_type ~ ')') }}
{% endmacro %}


{#- A contract column's typed value (SQL), null where its text does not have
    the contract's shape (ai_adoption_try_cast). A source column that already
    has the contract's type is used as it is: only values the text would not
    pass are nulled (a NaN or infinite double, a timestamp outside years 1 to
    9999), and `properties` is parsed only where the column is null. -#}
{% macro ai_adoption_source_value(name, kind, types, properties_json=none, prefix='') %}
    {%- set present = types.keys() | list -%}
    {%- set text = ai_adoption_source_text(name, present, properties_json, prefix) -%}
    {%- if not (name in present and ai_adoption_is_native_type(kind, types[name])) -%}
        {{ return(ai_adoption_try_cast('nullif(trim(' ~ text ~ "), '')", kind)) }}
    {%- endif -%}
    {%- set column = prefix ~ name -%}
    {%- if kind == 'integer' -%}
        {%- set value = 'cast(' ~ column ~ ' as ' ~ ai_adoption_type('integer') ~ ')' -%}
    {%- elif kind == 'double' -%}
        {#- x - x is 0 for every finite number, NaN for NaN and the infinities -#}
        {%- set value = 'case when ' ~ column ~ ' - ' ~ column ~ ' = 0 then ' ~ column ~ ' end' -%}
    {%- else -%}
        {%- set timestamp_type = ai_adoption_type('timestamp') -%}
        {%- set value = 'case when ' ~ column ~ " between cast('0001-01-01 00:00:00' as " ~ timestamp_type
            ~ ") and cast('9999-12-31 23:59:59.999999' as " ~ timestamp_type ~ ') then ' ~ column ~ ' end' -%}
    {%- endif -%}
    {%- if properties_json and name not in ai_adoption_required_columns() -%}
        {%- set from_properties = ai_adoption_try_cast(
            'nullif(trim(' ~ ai_adoption_json_get(properties_json, name) ~ "), '')", kind
        ) -%}
        {{ return('case when ' ~ column ~ ' is not null then ' ~ value ~ ' else ' ~ from_properties ~ ' end') }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}
