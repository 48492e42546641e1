<?php
/*
 * Plugin Name: Kabar test faults
 * Description: Faults for Kabar's WordPress tests, switched on by wp-content/kabar-faults.json:
 * {"fatal_after_publish": N, "then": M} ends the
 * next N REST requests that store a published post with a PHP fatal error, after the post is stored, and the M REST requests after it;
 * {"fatal_requests": N} ends the next N REST requests with a PHP fatal error before they do anything;
 * {"fatal_uploads": N} does so to the next N uploads of media.
 */

function kabar_fault_file() {
    return WP_CONTENT_DIR . '/kabar-faults.json';
}

function kabar_fault_take($name) {
    $fp = @fopen(kabar_fault_file(), 'c+');
    if (!$fp) {
        return false;
    }
    flock($fp, LOCK_EX);
    $faults = json_decode(stream_get_contents($fp), true) ?: array();
    $fire = !empty($faults[$name]) && $faults[$name] > 0;
    if ($fire) {
        $faults[$name]--;
        if ($name === 'fatal_after_publish' && !empty($faults['then'])) {
            $faults['fatal_requests'] = $faults['then'];  // the requests after this one fail too
            $faults['then'] = 0;
        }
        ftruncate($fp, 0);
        rewind($fp);
        fwrite($fp, json_encode($faults));
    }
    flock($fp, LOCK_UN);
    fclose($fp);
    return $fire;
}

add_action('rest_after_insert_post', function ($post) {
    if ($post->post_status === 'publish' && kabar_fault_take('fatal_after_publish')) {
        kabar_no_such_function();  // a PHP fatal error: the post is already stored
    }
});

add_filter('rest_pre_dispatch', function ($result, $server, $request) {
    if (kabar_fault_take('fatal_requests')) {
        kabar_no_such_function();
    }
    if ($request->get_method() === 'POST' && $request->get_route() === '/wp/v2/media'
        && kabar_fault_take('fatal_uploads')) {
        kabar_no_such_function();
    }
    return $result;
}, 10, 3);
