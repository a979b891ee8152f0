{#- Confidence intervals of the diagnosis, at var ai_adoption_confidence_level
    (two-sided). Each interval macro returns a dict {lower: sql, upper: sql}
    of SQL expressions over the columns it is given; null when there is no
    sample. Why each method fits its kind of measure: DECISIONS.md. -#}


{#- The two-sided normal quantile z of a confidence level: the value with
    P(-z < Z < z) = level, found by bisection on the normal distribution
    (its error function summed as a series, exact to about 1e-12 for the
    levels allowed, 0.5 to 0.999). 0.9 gives 1.6449, 0.95 gives 1.9600. -#}
{% macro ai_adoption_z_score(level=none) %}
    {%- set level = ai_adoption_var('ai_adoption_confidence_level') if level is none else level -%}
    {%- set search = namespace(low=0.0, high=4.0) -%}
    {%- for _ in range(60) -%}
        {%- set middle = (search.low + search.high) / 2 -%}
        {#- P(-z < Z < z) = erf(z / sqrt 2) -#}
        {%- set x = middle / (2 ** 0.5) -%}
        {%- set series = namespace(term=x, total=x) -%}
        {%- for n in range(1, 90) -%}
            {%- set series.term = series.term * (-1) * x * x / n -%}
            {%- set series.total = series.total + series.term / (2 * n + 1) -%}
        {%- endfor -%}
        {%- set covered = series.total * 2 / (3.141592653589793 ** 0.5) -%}
        {%- if covered < level -%}
            {%- set search.low = middle -%}
        {%- else -%}
            {%- set search.high = middle -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return((search.low + search.high) / 2) }}
{% endmacro %}


{#- Wilson score interval of a share `share` observed on `n` independent
    cases. -#}
{% macro ai_adoption_wilson_interval(share, n, z=none) %}
    {%- set z = ai_adoption_z_score() if z is none else z -%}
    {%- set z2 = z * z -%}
    {%- set p = '(' ~ share ~ ')' -%}
    {%- set cases = 'cast(' ~ n ~ ' as ' ~ ai_adoption_type('double') ~ ')' -%}
    {%- set center = '(' ~ p ~ ' + ' ~ z2 ~ ' / (2 * ' ~ cases ~ '))' -%}
    {%- set spread = z ~ ' * sqrt(greatest(' ~ p ~ ' * (1 - ' ~ p ~ ') / ' ~ cases
        ~ ' + ' ~ z2 ~ ' / (4 * ' ~ cases ~ ' * ' ~ cases ~ '), 0))' -%}
    {%- set scale = '(1 + ' ~ z2 ~ ' / ' ~ cases ~ ')' -%}
    {{ return({
        'lower': 'case when ' ~ n ~ ' > 0 then greatest((' ~ center ~ ' - ' ~ spread ~ ') / ' ~ scale ~ ', 0) end',
        'upper': 'case when ' ~ n ~ ' > 0 then least((' ~ center ~ ' + ' ~ spread ~ ') / ' ~ scale ~ ', 1) end',
    }) }}
{% endmacro %}


{#- Score interval of a rate of counts per unit (`rate` = `scale` x count /
    `n` units), the count taken as Poisson: (k + z^2/2 -+ z sqrt(k + z^2/4)) / n
    for k counted events. -#}
{% macro ai_adoption_poisson_interval(rate, n, scale=1, z=none) %}
    {%- set z = ai_adoption_z_score() if z is none else z -%}
    {%- set z2 = z * z -%}
    {%- set units = 'cast(' ~ n ~ ' as ' ~ ai_adoption_type('double') ~ ')' -%}
    {%- set count = '((' ~ rate ~ ') * ' ~ units ~ ' / ' ~ scale ~ ')' -%}
    {%- set spread = z ~ ' * sqrt(greatest(' ~ count ~ ' + ' ~ z2 / 4 ~ ', 0))' -%}
    {{ return({
        'lower': 'case when ' ~ n ~ ' > 0 then greatest(' ~ scale ~ ' * (' ~ count ~ ' + ' ~ z2 / 2
            ~ ' - ' ~ spread ~ ') / ' ~ units ~ ', 0) end',
        'upper': 'case when ' ~ n ~ ' > 0 then ' ~ scale ~ ' * (' ~ count ~ ' + ' ~ z2 / 2
            ~ ' + ' ~ spread ~ ') / ' ~ units ~ ' end',
    }) }}
{% endmacro %}


{#- Interval of a ratio `ratio` = n / k (k <= n, e.g. generations per
    accepted output): the Wilson interval of the share k / n over n cases,
    inverted. The upper bound is null when the share's lower bound is 0. -#}
{% macro ai_adoption_inverse_wilson_interval(ratio, n, z=none) %}
    {%- set share = ai_adoption_wilson_interval('1 / nullif(' ~ ratio ~ ', 0)', n, z) -%}
    {{ return({
        'lower': '1 / nullif(' ~ share.upper ~ ', 0)',
        'upper': '1 / nullif(' ~ share.lower ~ ', 0)',
    }) }}
{% endmacro %}


{#- Newcombe's hybrid score interval of a difference of two independent
    shares, p1 on n1 cases minus p2 on n2 cases, built from their Wilson
    intervals. -#}
{% macro ai_adoption_difference_interval(p1, n1, p2, n2, z=none) %}
    {%- set first = ai_adoption_wilson_interval(p1, n1, z) -%}
    {%- set second = ai_adoption_wilson_interval(p2, n2, z) -%}
    {%- set difference = '((' ~ p1 ~ ') - (' ~ p2 ~ '))' -%}
    {{ return({
        'lower': difference ~ ' - sqrt(power((' ~ p1 ~ ') - (' ~ first.lower ~ '), 2) + power(('
            ~ second.upper ~ ') - (' ~ p2 ~ '), 2))',
        'upper': difference ~ ' + sqrt(power((' ~ first.upper ~ ') - (' ~ p1 ~ '), 2) + power(('
            ~ p2 ~ ') - (' ~ second.lower ~ '), 2))',
    }) }}
{% endmacro %}
