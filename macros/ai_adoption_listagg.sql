{#- Values of a group joined into one string, in a given order; null when
    every value is null. -#}
{% macro ai_adoption_listagg(measure, delimiter_text, order_by) %}
    {{ return(adapter.dispatch('ai_adoption_listagg', 'ai_adoption')(measure, delimiter_text, order_by)) }}
{% endmacro %}

{% macro default__ai_adoption_listagg(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
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
