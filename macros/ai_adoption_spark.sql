{#- Apache Spark variants of the dispatched macros (dbt-spark 1.11, tested on
    Spark 4; tables are Parquet: no Delta, so no merge and no delete).
    The older Spark variants of the type, JSON, time, percentile and
    incremental macros sit beside their default in their own files. -#}


{#- Text to a logical type, null unless it has the contract's shape (see
    ai_adoption_try_cast); Spark's own casts accept more (a trailing 'd', a
    year alone). A timestamp with Z or an offset is converted to UTC, one
    without is read in the session time zone (UTC in the bundled profile). -#}
{% macro spark__ai_adoption_try_cast(expression, kind) -%}
    {%- if kind == 'integer' -%}
        case
            when {{ expression }} rlike '{{ ai_adoption_integer_pattern() }}'
                then try_cast(regexp_replace({{ expression }}, '[.]0*$', '') as bigint)
        end
    {%- elif kind == 'double' -%}
        case
            when {{ expression }} rlike '{{ ai_adoption_number_pattern() }}'
                then try_cast({{ expression }} as double)
        end
    {%- elif kind == 'timestamp' -%}
        case
            when {{ expression }} rlike '{{ ai_adoption_timestamp_pattern() }}'
                then try_cast(regexp_replace({{ expression }}, '[ ]+(Z|[+-][0-9:]+)$', '$1') as timestamp)
        end
    {%- else -%}
        try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
    {%- endif -%}
{%- endmacro %}


{#- An ordered string aggregate. dbt's Spark listagg ignores its order by;
    this sorts (order key, value) pairs instead. Null when no value is
    non-null, as string_agg. -#}
{% macro spark__ai_adoption_listagg(measure, delimiter_text, order_by) -%}
    case
        when count({{ measure }}) > 0
            then array_join(
                transform(
                    array_sort(collect_list(
                        case
                            when ({{ measure }}) is not null
                                then named_struct('sort_key', {{ order_by }}, 'item', {{ measure }})
                        end
                    )),
                    entry -> entry.item
                ),
                {{ delimiter_text }}
            )
    end
{%- endmacro %}


{#- Copies Parquet files into the source table (replacing it, or appending
    by column name), or links the table to a folder of Parquet files. -#}
{% macro spark__ai_adoption_load_events(path, append, link) %}
    {%- set relation = api.Relation.create(
        schema=var('ai_adoption_source_schema', 'main'),
        identifier=var('ai_adoption_source_table', 'ai_events'),
        type='table'
    ) -%}
    {%- set files = 'parquet.`' ~ path ~ '`' -%}
    {%- do adapter.create_schema(relation) -%}
    {%- set existing = adapter.get_relation(database=none, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if append and existing is not none -%}
        {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='quoted') | join(', ') -%}
        {%- do run_query('insert into ' ~ relation ~ ' select ' ~ columns ~ ' from ' ~ files) -%}
    {%- else -%}
        {%- if existing is not none -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- endif -%}
        {%- if link -%}
            {%- do run_query(
                'create table ' ~ relation ~ " using parquet options (pathGlobFilter '*.parquet') location '"
                ~ path ~ "'"
            ) -%}
        {%- else -%}
            {%- do run_query('create table ' ~ relation ~ ' using parquet as select * from ' ~ files) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set count = run_query('select count(*) from ' ~ relation).columns[0].values()[0] -%}
    {{ log('ai_adoption: ' ~ relation ~ ' holds ' ~ count ~ ' rows after loading ' ~ path, info=True) }}
{% endmacro %}


{#- Seed rows as escaped literals. dbt-spark binds the values, and its
    session method pastes them into the SQL between quotes without escaping,
    so a value with an apostrophe (the shapes' focus texts) breaks the
    insert. Overrides dbt-spark's loader while this package is the root
    project; as a dependency, put ai_adoption before dbt in the `dbt`
    dispatch search order to use it. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set values = [] -%}
        {%- for row in chunk -%}
            {%- set cells = [] -%}
            {%- for value in row -%}
                {%- if value is none -%}
                    {%- set literal = 'null' -%}
                {%- elif value is sameas true or value is sameas false -%}
                    {%- set literal = (value | string | lower) -%}
                {%- else -%}
                    {%- set literal = "'" ~ (value | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'" -%}
                {%- endif -%}
                {%- do cells.append('cast(' ~ literal ~ ' as ' ~ types[loop.index0] ~ ')') -%}
            {%- endfor -%}
            {%- do values.append('(' ~ (cells | join(', ')) ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ (values | join(', ')) -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
