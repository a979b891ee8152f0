{{ config(enabled=var('ai_adoption_sources') | length > 0) }}

{#- The sources of var ai_adoption_sources as one relation: every row of
    every source, none changed, each with its source's name in
    source_relation. The columns are those of all sources, in the order
    they first appear. A column that some source lacks is null in that
    source's rows; a column whose type differs between sources is written
    out as text in all of them (the ledger reads text exactly as it reads a
    typed value, and rejects what does not parse). So is an id column that
    any source stores as a double: there it is the integer it exactly holds,
    or no id (ai_adoption_exact_id_text). A view: it costs nothing to build,
    and the ledger's scan filter reaches each source through it. -#}
{#- the declared source stays in the lineage, with its freshness -#}
{%- set declared = source('ai_events', 'events') -%}
{%- set sources = ai_adoption_sources() -%}
{%- set text_type = ai_adoption_type('string') -%}
{#- lower-cased column name -> {source index: (its own spelling, its type)} -#}
{%- set found = {} -%}
{%- set order = [] -%}
{%- if execute -%}
    {%- for entry in sources -%}
        {%- set source_index = loop.index0 | string -%}
        {%- set relation = ai_adoption_listed_source_relation(entry) -%}
        {%- set types = adapter.dispatch('ai_adoption_describe_source', 'ai_adoption')(relation) -%}
        {%- if not types -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_sources: source '" ~ entry['name'] ~ "' (" ~ relation
                ~ ") cannot be read or has no columns."
            ) }}
        {%- elif 'source_relation' in types -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_sources: source '" ~ entry['name'] ~ "' (" ~ relation
                ~ ") has a source_relation column of its own; list its parts as sources, or "
                ~ "point the declared source at it alone."
            ) }}
        {%- endif -%}
        {%- for name, data_type in types.items() -%}
            {%- if name not in found -%}
                {%- do found.update({name: {}}) -%}
                {%- do order.append(name) -%}
            {%- endif -%}
            {%- do found[name].update({source_index: data_type}) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}
{#- a column keeps its type when every source that has it agrees on a known
    one, and it is no id held as a double; otherwise it is text everywhere -#}
{%- set ids = ai_adoption_id_columns() -%}
{%- set column_types = {} -%}
{%- for name in order -%}
    {%- set kinds = found[name].values() | unique | list -%}
    {%- set float_kinds = [] -%}
    {%- for kind in kinds if name in ids and ai_adoption_is_float_type(kind) -%}
        {%- do float_kinds.append(kind) -%}
    {%- endfor -%}
    {%- do column_types.update({name: kinds[0] if kinds | length == 1 and kinds[0] and not float_kinds else none}) -%}
{%- endfor -%}

{% for entry in sources %}
    {%- set index = loop.index0 | string %}
    {%- if not loop.first %}
        union all
    {% endif %}
    select
        {%- for name in order %}
            {%- set kind = column_types[name] %}
            {%- if index not in found[name] %}
                cast(null as {{ kind or text_type }}) as {{ adapter.quote(name) }},
            {%- elif kind %}
                {{ adapter.quote(name) }},
            {%- elif name in ids and ai_adoption_is_float_type(found[name][index]) %}
                -- an id stored as a double: the integer it exactly holds, else no id
                {{ ai_adoption_exact_id_text(adapter.quote(name)) }} as {{ adapter.quote(name) }},
            {%- else %}
                cast({{ adapter.quote(name) }} as {{ text_type }}) as {{ adapter.quote(name) }},
            {%- endif %}
        {%- endfor %}
        cast({{ ai_adoption_literal(entry['name']) }} as {{ text_type }}) as source_relation
    from {{ ai_adoption_listed_source_relation(entry) }}
{%- endfor %}
